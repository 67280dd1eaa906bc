// End-to-end tests of the console: Chromium (Debian's, driven by
// playwright-core) against a real `baton serve`, which the Go test
// TestConsoleInBrowser starts and names in BATON_URL. State machines and
// executions are made through the Step Functions API, then the pages are
// checked. Screenshots go to BATON_E2E_ARTIFACTS.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { client, launchBrowser } from "./client.mjs";

const base = process.env.BATON_URL;
if (!base) throw new Error("BATON_URL names the server under test");
const artifacts = process.env.BATON_E2E_ARTIFACTS || join(import.meta.dirname, "artifacts");
mkdirSync(artifacts, { recursive: true });
const { api, machine, start, finished } = client(base);

const link = (...parts) => `${base}/#/${parts.map(encodeURIComponent).join("/")}`;

let browser, page;
const arns = {};
const pageErrors = [];

before(async () => {
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1500, height: 1000 }, acceptDownloads: true });
  page.on("pageerror", (e) => pageErrors.push(e));
  const activity = (await api("CreateActivity", { name: "approve" })).activityArn;
  arns.activity = activity;
  arns.hello = await machine("hello", {
    Comment: "Says hello",
    StartAt: "Greet",
    States: {
      Greet: { Type: "Pass", Parameters: { "greeting.$": "States.Format('Hello, {}', $.name)" }, Assign: { "said.$": "$.greeting" }, Next: "Check" },
      Check: { Type: "Choice", Choices: [{ Variable: "$.greeting", StringEquals: "Hello, nobody", Next: "Refuse" }], Default: "Done" },
      Refuse: { Type: "Fail", Error: "Nobody", Cause: "nobody to greet" },
      Done: { Type: "Succeed" },
    },
  });
  arns.caught = await machine("caught", {
    StartAt: "Both",
    States: {
      Both: {
        Type: "Parallel",
        Branches: [
          { StartAt: "Fine", States: { Fine: { Type: "Pass", End: true } } },
          { StartAt: "Broken", States: { Broken: { Type: "Fail", Error: "Broken", Cause: "a branch broke" } } },
        ],
        Catch: [{ ErrorEquals: ["States.ALL"], Next: "Recover" }],
        Next: "Unreached",
      },
      Recover: { Type: "Pass", End: true },
      Unreached: { Type: "Pass", End: true },
    },
  });
  arns.map = await machine("each", {
    StartAt: "Each",
    States: {
      Each: {
        Type: "Map",
        ItemsPath: "$.items",
        MaxConcurrency: 1,
        ItemProcessor: {
          StartAt: "Look",
          States: {
            Look: { Type: "Choice", Choices: [{ Variable: "$", NumericEquals: 7, Next: "Seven" }], Default: "Ok" },
            Seven: { Type: "Fail", Error: "Seven" },
            Ok: { Type: "Pass", End: true },
          },
        },
        Catch: [{ ErrorEquals: ["Seven"], Next: "Handled" }],
        End: true,
      },
      Handled: { Type: "Pass", End: true },
    },
  });
  arns.approval = await machine("approval", {
    StartAt: "Ask",
    States: {
      Ask: { Type: "Task", Resource: activity, Next: "Approved" },
      Approved: { Type: "Pass", End: true },
    },
  });
  arns.slow = await machine("slow", {
    StartAt: "Nap",
    States: { Nap: { Type: "Wait", Seconds: 3600, Next: "Up" }, Up: { Type: "Pass", End: true } },
  });
});

after(async () => {
  await browser?.close();
  assert.deepEqual(pageErrors.map(String), [], "the page threw");
});

async function shot(name) {
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
}

async function statusOf(state) {
  return page.locator(`.diagram [data-state="${state}"]`).getAttribute("data-status");
}

async function waitStatus(state, want) {
  await page.waitForSelector(`.diagram [data-state="${state}"][data-status="${want}"]`, { timeout: 15000 });
}

describe("the console", () => {
  it("lists state machines with their executions of the day", async () => {
    await finished(await start(arns.hello, { name: "Ada" }, "ada"));
    await finished(await start(arns.hello, { name: "nobody" }, "nobody"));
    await page.goto(base + "/");
    await page.waitForSelector('[data-testid="state-machines"] a:text("hello")');
    const row = page.locator('[data-testid="state-machines"] tr', { hasText: "hello" });
    await row.locator(".counts a", { hasText: "SUCCEEDED" }).waitFor();
    assert.match(await row.innerText(), /SUCCEEDED\s*1/);
    assert.match(await row.innerText(), /FAILED\s*1/);
    await page.fill('[data-testid="search"]', "cau");
    await page.waitForSelector('[data-testid="state-machines"] a:text("hello")', { state: "detached" });
    await page.fill('[data-testid="search"]', "");
    await shot("state-machines");
  });

  it("draws a state machine and starts an execution from it", async () => {
    await page.goto(link("state-machines", arns.hello));
    for (const s of ["Greet", "Check", "Refuse", "Done"]) await page.locator(`.diagram [data-state="${s}"]`).waitFor();
    assert.ok(await page.locator(".diagram .edge-choice .edge-label", { hasText: '$.greeting == "Hello, nobody"' }).count());
    assert.ok(await page.locator(".diagram .edge-default").count());
    await page.locator('[data-testid="executions"] a', { hasText: "ada" }).waitFor();
    await shot("state-machine");
    const v1 = (await api("PublishStateMachineVersion", { stateMachineArn: arns.hello })).stateMachineVersionArn;
    await api("CreateStateMachineAlias", { name: "live", routingConfiguration: [{ stateMachineVersionArn: v1, weight: 100 }] });
    await api("TagResource", { resourceArn: arns.hello, tags: [{ key: "team", value: "greeters" }] });
    await page.click('[data-testid="tab-versions"]');
    await page.locator("table.list td", { hasText: "version 1: 100%" }).waitFor();
    await page.click('[data-testid="tab-tags"]');
    await page.locator('[data-testid="tags"] td', { hasText: "greeters" }).waitFor();
    await page.click('[data-testid="tab-definition"]');
    assert.match(await page.locator('[data-testid="definition"]').innerText(), /"StartAt": "Greet"/);
    await page.click('[data-testid="start-execution"]');
    await page.fill('[data-testid="start-name"]', "from-the-page");
    await page.fill('[data-testid="start-input"]', '{"name": ');
    assert.match(await page.locator('[data-testid="start-input-hint"]').innerText(), /Not JSON/);
    assert.ok(await page.locator('[data-testid="start-confirm"]').isDisabled());
    await page.fill('[data-testid="start-input"]', '{"name": "Grace"}');
    await page.click('[data-testid="start-confirm"]');
    await page.waitForURL(/#\/executions\/.*from-the-page/);
    await waitStatus("Done", "succeeded");
    assert.equal(await page.locator('[data-testid="summary-status"]').innerText(), "SUCCEEDED");
  });

  it("colours a succeeded execution and shows each state's data", async () => {
    const arn = await start(arns.hello, { name: "Lin" });
    await finished(arn);
    await page.goto(link("executions", arn));
    for (const s of ["Greet", "Check", "Done"]) await waitStatus(s, "succeeded");
    assert.equal(await statusOf("Refuse"), "notReached");
    await page.click('.diagram [data-state="Greet"]');
    assert.match(await page.locator('[data-testid="panel-input"]').innerText(), /"name": "Lin"/);
    assert.match(await page.locator('[data-testid="panel-output"]').innerText(), /"greeting": "Hello, Lin"/);
    assert.match(await page.locator('[data-testid="state-panel"]').innerText(), /Variables assigned\s*\{\s*"said": "Hello, Lin"/);
    assert.match(page.url(), /state=Greet/);
    // The steps between input and output, recomputed by TestState.
    await page.click('[data-testid="dataflow"]');
    assert.match(await page.locator('[data-testid="dataflow-steps"]').innerText(), /After Parameters[\s\S]*"greeting": "Hello, Lin"/);
    await shot("execution-graph");
    // The history and the diagram, downloaded.
    const [history] = await Promise.all([page.waitForEvent("download"), page.click('[data-testid="export-history"]')]);
    const exported = JSON.parse(await readFile(await history.path(), "utf8"));
    assert.deepEqual(exported.events.map((e) => e.type), (await api("GetExecutionHistory", { executionArn: arn })).events.map((e) => e.type));
    const [svg] = await Promise.all([page.waitForEvent("download"), page.click('[data-testid="export-svg"]')]);
    assert.match(await readFile(await svg.path(), "utf8"), /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"[\s\S]*data-state="Greet"/);
    const [png] = await Promise.all([page.waitForEvent("download"), page.click('[data-testid="export-png"]')]);
    assert.deepEqual([...(await readFile(await png.path())).subarray(1, 4)], [0x50, 0x4e, 0x47]);
    await page.click('[data-testid="tab-table"]');
    await page.locator('[data-testid="table-row"][data-state="Done"]').waitFor();
    assert.equal(await page.locator('[data-testid="table-row"]').count(), 3);
    await shot("execution-table");
    await page.click('[data-testid="tab-events"]');
    await page.locator('[data-testid="event-row"]').first().waitFor();
    assert.equal(await page.locator('[data-testid="event-row"]').count(), 8);
    await page.selectOption('[data-testid="event-type"]', "PassStateExited");
    assert.equal(await page.locator('[data-testid="event-row"]').count(), 1);
    await page.click('[data-testid="event-row"]');
    assert.match(await page.locator('[data-testid="event-details"]').innerText(), /"greeting": "Hello, Lin"/);
    await shot("execution-events");
    // The view is in the link.
    assert.match(page.url(), /view=events/);
  });

  it("shows a failure and a caught error", async () => {
    const failed = await start(arns.hello, { name: "nobody" });
    await finished(failed);
    await page.goto(link("executions", failed));
    await waitStatus("Refuse", "failed");
    assert.match(await page.locator('[data-testid="execution-error"]').innerText(), /Nobody/);
    const caught = await start(arns.caught);
    await finished(caught);
    await page.goto(link("executions", caught));
    await waitStatus("Both", "caught");
    await waitStatus("Recover", "succeeded");
    assert.equal(await statusOf("Broken"), "failed");
    assert.equal(await statusOf("Fine"), "succeeded");
    assert.equal(await statusOf("Unreached"), "notReached");
    await shot("execution-caught");
    await page.click('[data-testid="tab-table"]');
    await page.click('[data-testid="table-row"][data-state="Both"] [data-testid="expand"]');
    assert.match(await page.locator('[data-testid="table-view"]').innerText(), /Branch 1[\s\S]*Branch 2/);
  });

  it("browses a Map's iterations, the failed ones first", async () => {
    const items = Array.from({ length: 12 }, (_, i) => i);
    const arn = await start(arns.map, { items });
    await finished(arn);
    await page.goto(link("executions", arn));
    await waitStatus("Each", "caught");
    await waitStatus("Handled", "succeeded");
    await page.click('.diagram [data-state="Each"]');
    // One at a time: the eighth fails the Map, the rest never start.
    await page.locator('[data-testid="map-browser"]', { hasText: "8 of 12 iterations" }).waitFor();
    await page.click('[data-testid="failed-iteration"]');
    await waitStatus("Seven", "failed");
    assert.equal(await statusOf("Ok"), "notReached");
    assert.match(page.url(), /iteration=7/);
    await page.locator('[data-testid="state-panel"] .badge', { hasText: "Caught error" }).waitFor();
    await page.click('.diagram [data-state="Seven"]');
    assert.equal((await page.locator('[data-testid="panel-input"]').innerText()).trim(), "7");
    await shot("execution-map");
    await page.fill('[data-testid="iteration-index"]', "3");
    await page.click('[data-testid="map-browser"] button[type="submit"]');
    await waitStatus("Ok", "succeeded");
    assert.equal(await statusOf("Seven"), "notReached");
  });

  it("follows a running execution until it succeeds, without a reload", async () => {
    const arn = await start(arns.approval, { order: 1 });
    await page.goto(link("executions", arn));
    await waitStatus("Ask", "running");
    assert.equal(await page.locator('[data-testid="summary-status"]').innerText(), "RUNNING");
    await shot("execution-running");
    const task = await api("GetActivityTask", { activityArn: arns.activity, workerName: "e2e" });
    assert.ok(task.taskToken);
    await api("SendTaskSuccess", { taskToken: task.taskToken, output: JSON.stringify({ approved: true }) });
    await waitStatus("Approved", "succeeded");
    await waitStatus("Ask", "succeeded");
    await page.locator('[data-testid="summary-status"]', { hasText: "SUCCEEDED" }).waitFor();
  });

  it("stops and redrives an execution from its page", async () => {
    const arn = await start(arns.slow, {}, "napping");
    await page.goto(link("executions", arn));
    await waitStatus("Nap", "running");
    await page.click('[data-testid="stop"]');
    await page.fill('[data-testid="stop-error"]', "Enough");
    await page.fill('[data-testid="stop-cause"]', "stopped from the console");
    await page.click('[data-testid="stop-confirm"]');
    await page.locator('[data-testid="summary-status"]', { hasText: "ABORTED" }).waitFor();
    await waitStatus("Nap", "cancelled");
    assert.equal((await api("DescribeExecution", { executionArn: arn })).error, "Enough");
    await page.click('[data-testid="redrive"]');
    await page.locator('[data-testid="summary-status"]', { hasText: "RUNNING" }).waitFor();
    await waitStatus("Nap", "running");
    assert.equal((await api("DescribeExecution", { executionArn: arn })).redriveCount, 1);
    await api("StopExecution", { executionArn: arn });
  });

  it("lists, filters and stops executions in bulk", async () => {
    const a = await start(arns.slow, { tag: "needle-one" });
    const b = await start(arns.slow, { tag: "needle-two" });
    await page.goto(base + "/#/executions?status=RUNNING");
    await page.locator('[data-testid="executions"] tbody tr').first().waitFor();
    await page.fill('[data-testid="filter-text"]', "needle");
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="executions"] tbody tr').length === 2);
    await shot("executions");
    await page.check('[data-testid="executions"] thead input[type="checkbox"]');
    await page.click('[data-testid="bulk-stop"]');
    await page.click('[data-testid="stop-confirm"]');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="executions"] tbody tr').length === 0);
    for (const arn of [a, b]) assert.equal((await api("DescribeExecution", { executionArn: arn })).status, "ABORTED");
  });

  it("shows activities, the JSONata playground and TestState", async () => {
    await page.goto(base + "/#/activities");
    await page.locator('[data-testid="activities"] td', { hasText: /^approve$/ }).waitFor();
    await shot("activities");
    await page.goto(base + "/#/jsonata");
    await page.fill('[data-testid="jsonata-expr"]', "$sum($states.input.items.price)");
    await page.click('[data-testid="jsonata-run"]');
    await page.locator('[data-testid="jsonata-result"]', { hasText: "28" }).waitFor();
    await shot("jsonata");
    await page.goto(base + "/#/test-state");
    await page.click('[data-testid="test-run"]');
    await page.locator('[data-testid="test-result"]', { hasText: "Hello, Ada" }).waitFor();
    await shot("test-state");
    await page.click('[data-testid="theme"]');
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), "dark");
    await page.goto(link("state-machines", arns.caught));
    await page.locator('.diagram [data-state="Both"]').waitFor();
    await shot("state-machine-dark");
    await page.click('[data-testid="theme"]');
  });
});
