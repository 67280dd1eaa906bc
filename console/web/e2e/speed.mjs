// How fast the console opens large executions, in the browser: a history
// of about 25,000 events and a Map of 10,000 iterations. Run by
// BenchmarkConsoleInBrowser (cmd/baton), which starts the server (with a
// history limit above AWS's, for the Map) and names it in BATON_URL.
// Prints one JSON line per measure: {"name", "ms"} (the median of RUNS).

import { client, launchBrowser } from "./client.mjs";

const base = process.env.BATON_URL;
const runs = Number(process.env.RUNS || 5);
const { api, machine, start, finished } = client(base);

async function run(name, definition, input) {
  const d = await finished(await start(await machine(name, definition), input), 6000);
  if (d.status !== "SUCCEEDED") throw new Error(`${name}: ${d.status} ${d.error} ${d.cause}`);
  return d.executionArn;
}

const loop = await run("loop", {
  StartAt: "Count",
  States: {
    Count: { Type: "Pass", Parameters: { "n.$": "States.MathAdd($.n, 1)" }, Next: "More" },
    More: { Type: "Choice", Choices: [{ Variable: "$.n", NumericLessThan: 6248, Next: "Count" }], Default: "Done" },
    Done: { Type: "Succeed" },
  },
}, { n: 0 });
const map = await run("wide", {
  StartAt: "Each",
  States: {
    Each: { Type: "Map", MaxConcurrency: 40, ItemProcessor: { StartAt: "Touch", States: { Touch: { Type: "Pass", End: true } } }, End: true },
  },
}, Array.from({ length: 10000 }, (_, i) => i));

const browser = await launchBrowser();
const page = await browser.newPage({ viewport: { width: 1500, height: 1000 } });
const link = (arn, q = "") => `${base}/#/executions/${encodeURIComponent(arn)}${q}`;

async function measure(name, f) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    await page.goto("about:blank");
    const t0 = performance.now();
    await f();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({ name, ms: Math.round(times[times.length >> 1]) }));
}

const events = async (arn) => (await api("GetExecutionHistory", { executionArn: arn, maxResults: 1, reverseOrder: true })).events[0].id;
console.log(JSON.stringify({ name: "loop-events", n: await events(loop) }));
console.log(JSON.stringify({ name: "map-events", n: await events(map) }));

// Usable: the diagram coloured by the whole history, the summary final.
await measure("open-25k-events", async () => {
  await page.goto(link(loop));
  await page.waitForSelector('.diagram [data-state="Done"][data-status="succeeded"]', { timeout: 60000 });
});
await measure("open-map-10k-iterations", async () => {
  await page.goto(link(map, "?state=Each"));
  await page.waitForSelector('[data-testid="map-browser"]:has-text("10000 of 10000 iterations")', { timeout: 60000 });
  await page.waitForSelector('.diagram [data-state="Touch"][data-status="succeeded"]', { timeout: 60000 });
});
await measure("table-map-10k-iterations", async () => {
  await page.goto(link(map, "?view=table"));
  await page.click('[data-testid="table-row"][data-state="Each"] [data-testid="expand"]', { timeout: 60000 });
  await page.waitForSelector('[data-testid="table-row"]:has-text("Iteration 5")');
});
await measure("events-25k", async () => {
  await page.goto(link(loop, "?view=events"));
  await page.waitForSelector('[data-testid="event-row"]', { timeout: 60000 });
  await page.selectOption('[data-testid="event-type"]', "ChoiceStateExited");
  await page.waitForSelector('[data-testid="event-row"]:has-text("ChoiceStateExited")');
});
await browser.close();
