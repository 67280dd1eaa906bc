import { useMemo, useState } from "preact/hooks";
import { sfn } from "../api";
import { apiTime, arnName, duration, when } from "../format";
import type { Graph, Place } from "../model/graph";
import { inFrame, type Entry, type Frame, type History, type HistoryEvent, type Status } from "../model/history";
import { go, href } from "../router";
import { Diagram } from "../ui/Diagram";
import { ErrorBox, Legend, StateBadge, StatusBadge, Tabs, VirtualList } from "../ui/common";
import { Json } from "../ui/Json";
import { useExecution } from "./execution-data";
import { StopDialog } from "./Executions";
import { StartDialog } from "./StateMachine";

export function Execution(props: { arn: string; query: URLSearchParams }) {
  const { arn, query } = props;
  const view = query.get("view") ?? "graph";
  const data = useExecution(arn);
  const [dialog, setDialog] = useState<"stop" | "new" | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const setQuery = (patch: Record<string, string | undefined>) => {
    const q: Record<string, string | undefined> = Object.fromEntries(query.entries());
    go(["executions", arn], { ...q, ...patch }, true);
  };
  const d = data.desc;
  if (!d) return <section>{data.error ? <ErrorBox error={data.error} /> : <span class="muted">Loading…</span>}</section>;
  const h = data.history;
  const redrive = () => sfn("RedriveExecution", { executionArn: arn }).then(() => (setActionError(null), data.reload()), setActionError);
  const exportHistory = () => {
    const blob = new Blob([JSON.stringify({ events: h?.events ?? [] }, null, 2)], { type: "application/json" });
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = `${d.name}-history.json`;
    a.click();
  };
  const start = apiTime(d.startDate);
  const stop = apiTime(d.stopDate);
  return (
    <section>
      <div class="page-head">
        <div>
          <div class="crumbs"><a href="#/">State machines</a> / <a href={href(["state-machines", d.stateMachineArn])}>{arnName(d.stateMachineArn)}</a> /</div>
          <h1>{d.name} <StatusBadge status={d.status} /></h1>
        </div>
        <div class="actions">
          <button disabled={d.status !== "RUNNING"} onClick={() => setDialog("stop")} data-testid="stop">Stop</button>
          <button disabled={d.status === "RUNNING" || d.status === "SUCCEEDED"} onClick={redrive} data-testid="redrive">Redrive</button>
          <button onClick={() => setDialog("new")} data-testid="new-execution">New execution</button>
          <button onClick={exportHistory} data-testid="export-history">Export history</button>
        </div>
      </div>
      <ErrorBox error={actionError} />
      <dl class="summary" data-testid="summary">
        <div><dt>Status</dt><dd data-testid="summary-status">{d.status}</dd></div>
        <div><dt>Started</dt><dd>{when(start)}</dd></div>
        <div><dt>Stopped</dt><dd>{when(stop)}</dd></div>
        <div><dt>Duration</dt><dd>{start !== undefined ? duration((stop ?? Date.now()) - start) : "—"}</dd></div>
        <div><dt>Redrives</dt><dd>{d.redriveCount ?? 0}{d.redriveDate ? ` (last ${when(apiTime(d.redriveDate))})` : ""}</dd></div>
        {d.stateMachineVersionArn && <div><dt>Version</dt><dd class="mono small">{d.stateMachineVersionArn}</dd></div>}
        {d.stateMachineAliasArn && <div><dt>Alias</dt><dd class="mono small">{d.stateMachineAliasArn}</dd></div>}
        <div><dt>ARN</dt><dd class="mono small">{d.executionArn}</dd></div>
      </dl>
      {(d.error || d.cause) && (
        <div class="error-box" data-testid="execution-error"><b>{d.error}</b>{d.cause && <pre class="cause">{d.cause}</pre>}</div>
      )}
      <div class="two-col io">
        <div><h3>Input</h3><Json text={d.input} testid="execution-input" /></div>
        <div><h3>Output</h3><Json text={d.output} empty={d.status === "RUNNING" ? "Not yet" : "None"} testid="execution-output" /></div>
      </div>
      <Tabs active={view} onChange={(v) => setQuery({ view: v })} tabs={[["graph", "Graph view"], ["table", "Table view"], ["events", "Event view"]]} />
      <ErrorBox error={data.error} />
      {!h && !data.error && <p class="muted">Loading the history…</p>}
      {h && data.graph && view === "graph" && (
        <GraphView graph={data.graph} places={data.places!} history={h} version={data.version} selected={query.get("state") ?? undefined}
          iteration={query.get("iteration") ?? undefined} onSelect={(state, iteration) => setQuery({ state, iteration })} />
      )}
      {h && view === "table" && <TableView history={h} version={data.version} onSelect={(state) => setQuery({ view: "graph", state })} />}
      {h && view === "events" && <EventView history={h} version={data.version} />}
      {dialog === "stop" && (
        <StopDialog count={1} onClose={() => setDialog(null)} onStop={(error, cause) => {
          setDialog(null);
          sfn("StopExecution", { executionArn: arn, error, cause }).then(() => (setActionError(null), data.reload()), setActionError);
        }} />
      )}
      {dialog === "new" && <StartDialog target={d.stateMachineAliasArn ?? d.stateMachineVersionArn ?? d.stateMachineArn} input={d.input} onClose={() => setDialog(null)} />}
    </section>
  );
}

/** The Map that holds a state, nearest first. */
function mapsAround(place: Place | undefined, places: Map<string, Place>): string[] {
  if (!place) return [];
  return place.path.map((p) => p.container).filter((c) => places.get(c)?.node.type === "Map").reverse();
}

function GraphView(props: {
  graph: Graph; places: Map<string, Place>; history: History; version: number; selected?: string; iteration?: string;
  onSelect: (state?: string, iteration?: string) => void;
}) {
  const { history: h, places, selected } = props;
  // The Map whose iterations the page browses: the selected Map, or the
  // one around the selected state.
  const selPlace = selected ? places.get(selected) : undefined;
  const mapName = selPlace?.node.type === "Map" ? selected : mapsAround(selPlace, places)[0];
  const mapEntry = mapName ? lastEntry(h, mapName) : undefined;
  const iterations = mapEntry ? h.iterationsOf(mapEntry) : [];
  const iterIndex = props.iteration !== undefined ? Number(props.iteration) : undefined;
  const iteration = iterIndex !== undefined ? iterations.find((f) => f.index === iterIndex) : undefined;

  const statuses = useMemo(() => {
    const all = h.stateStatus();
    if (iteration) {
      // Within the chosen iteration, its own colours.
      const inside = h.stateStatus((e) => inFrame(e, iteration));
      for (const [name, place] of places) {
        if (place.path.some((p) => p.container === mapName)) all.set(name, inside.get(name) ?? "notReached");
      }
    }
    return all;
  }, [props.version, iteration, mapName]);

  // Within a chosen iteration, the states inside its Map show that
  // iteration's visits; the Map itself and the states around it, all.
  const inside = !!iteration && !!selPlace?.path.some((p) => p.container === mapName);
  const entries = selected ? h.entries.filter((e) => e.name === selected && (!inside || inFrame(e, iteration!))) : [];
  return (
    <div class="graph-view">
      <div class="graph-main">
        <Legend />
        <Diagram graph={props.graph} statuses={statuses} selected={selected} onSelect={(s) => props.onSelect(s, props.iteration)} />
      </div>
      <aside class="panel" data-testid="state-panel">
        {mapEntry && (
          <MapBrowser entry={mapEntry} iterations={iterations} chosen={iterIndex} onChoose={(i) => props.onSelect(selected, i === undefined ? undefined : String(i))} />
        )}
        {selected ? <StatePanel key={selected} name={selected} place={selPlace} jsonata={props.graph.queryLanguage === "JSONata"} entries={entries} history={h} /> : <p class="muted">Select a state to see its input, output and attempts.</p>}
      </aside>
    </div>
  );
}

function lastEntry(h: History, name: string): Entry | undefined {
  for (let i = h.entries.length - 1; i >= 0; i--) if (h.entries[i].name === name) return h.entries[i];
  return undefined;
}

function MapBrowser(props: { entry: Entry; iterations: Frame[]; chosen?: number; onChoose: (i?: number) => void }) {
  const failed = props.iterations.filter((f) => f.end === "failed");
  const [text, setText] = useState(props.chosen !== undefined ? String(props.chosen) : "");
  return (
    <div class="map-browser" data-testid="map-browser">
      <h3>Map {props.entry.name}: {props.iterations.length}{props.entry.mapLength !== undefined ? ` of ${props.entry.mapLength}` : ""} iterations</h3>
      <form onSubmit={(e) => (e.preventDefault(), props.onChoose(text === "" ? undefined : Number(text)))}>
        <label>Iteration <input type="number" min={0} value={text} onInput={(e) => setText((e.target as HTMLInputElement).value)} data-testid="iteration-index" /></label>
        <button type="submit">Show</button>
        <button type="button" onClick={() => (setText(""), props.onChoose(undefined))}>All</button>
      </form>
      {failed.length > 0 && (
        <div class="failed-iterations">
          Failed: {failed.slice(0, 50).map((f) => (
            <button key={f.index} class={`chip${props.chosen === f.index ? " on" : ""}`} onClick={() => (setText(String(f.index)), props.onChoose(f.index))} data-testid="failed-iteration">#{f.index}</button>
          ))}
          {failed.length > 50 && <span class="muted"> and {failed.length - 50} more</span>}
        </div>
      )}
    </div>
  );
}

function StatePanel(props: { name: string; place?: Place; jsonata: boolean; entries: Entry[]; history: History }) {
  const { entries, history: h } = props;
  const type = props.place?.node.type ?? "";
  const [pick, setPick] = useState<number | null>(null);
  if (entries.length === 0) return <div><h3>{props.name}</h3><StateBadge status="notReached" /></div>;
  const e = entries[pick !== null && pick < entries.length ? pick : entries.length - 1];
  const status: Status = h.statusOf(e);
  const last = e.attempts[e.attempts.length - 1];
  return (
    <div class="state-panel">
      <h3>{props.name} <span class="muted small">{type}</span></h3>
      <div><StateBadge status={status} /></div>
      {entries.length > 1 && (
        <label class="small">Visit <select value={entries.indexOf(e)} onChange={(ev) => setPick(Number((ev.target as HTMLSelectElement).value))}>
          {entries.map((x, i) => <option key={x.id} value={i}>{i + 1} of {entries.length}{x.frame.kind === "iteration" ? ` (iteration ${x.frame.index})` : ""}</option>)}
        </select></label>
      )}
      <dl class="summary small">
        <div><dt>Entered</dt><dd>{when(e.start)}</dd></div>
        <div><dt>Duration</dt><dd>{duration((e.end ?? h.execution.stop ?? Date.now()) - e.start)}</dd></div>
      </dl>
      {(e.error || e.cause) && <div class="error-box"><b>{e.error}</b>{e.cause && <pre class="cause">{e.cause}</pre>}</div>}
      <h4>Input</h4>
      <Json text={e.input} testid="panel-input" />
      {last?.parameters !== undefined && (<><h4>After Parameters (what the task got)</h4><Json text={last.parameters} /></>)}
      {last?.result !== undefined && (<><h4>Result (raw)</h4><Json text={last.result} /></>)}
      <h4>Output</h4>
      <Json text={e.output} empty={e.exited ? "None" : "Not yet"} testid="panel-output" />
      {props.place && (type === "Task" || type === "Pass") && !props.jsonata && stateQL(props.place) !== "JSONata" && e.exited && (
        <DataFlow key={e.id} entry={e} place={props.place} history={h} />
      )}
      {e.assigned && Object.keys(e.assigned).length > 0 && (
        <><h4>Variables assigned</h4><Json value={Object.fromEntries(Object.entries(e.assigned).map(([k, v]) => [k, safeParse(v)]))} /></>
      )}
      {e.attempts.length > 0 && (
        <>
          <h4>Attempts</h4>
          <table class="list small" data-testid="attempts">
            <thead><tr><th>#</th><th>Status</th><th>Took</th><th>Error</th><th>Retry after</th></tr></thead>
            <tbody>
              {e.attempts.map((a, i) => {
                const next = e.attempts[i + 1];
                return (
                  <tr key={a.scheduledId}>
                    <td>{i + 1}</td>
                    <td>{a.status}</td>
                    <td>{a.end !== undefined ? duration(a.end - a.start) : "…"}</td>
                    <td>{a.error}{a.cause && <div class="muted">{a.cause.length > 200 ? a.cause.slice(0, 200) + "…" : a.cause}</div>}</td>
                    <td>{next && a.end !== undefined ? duration(next.start - a.end) : ""}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}

function stateQL(p: Place): string | undefined {
  const q = p.node.state?.QueryLanguage;
  return typeof q === "string" ? q : undefined;
}

/** variablesBefore gathers the variables an entry saw: what the states
 * before it in its own thread and the threads around it assigned. */
function variablesBefore(h: History, e: Entry): Record<string, unknown> {
  const vars: Record<string, unknown> = {};
  for (const x of h.entries) {
    if (x.id >= e.id) break;
    if (!x.assigned || !inFrame(e, x.frame)) continue;
    for (const [k, v] of Object.entries(x.assigned)) vars[k] = safeParse(v);
  }
  return vars;
}

interface Inspection {
  afterInputPath?: string;
  afterParameters?: string;
  result?: string;
  afterResultSelector?: string;
  afterResultPath?: string;
}

/** DataFlow shows each step of a JSONPath state's data, recomputed by
 * TestState from the state's definition, its input and its raw result
 * (the history keeps only the input, the task's parameters, its result
 * and the output). */
function DataFlow(props: { entry: Entry; place: Place; history: History }) {
  const [out, setOut] = useState<Inspection | null>(null);
  const [error, setError] = useState<unknown>(null);
  const e = props.entry;
  const run = async () => {
    const last = e.attempts[e.attempts.length - 1];
    try {
      const r = await sfn<{ inspectionData?: Inspection }>("TestState", {
        definition: JSON.stringify(props.place.node.state),
        roleArn: "arn:aws:iam::123456789012:role/baton",
        input: e.input ?? "{}",
        inspectionLevel: "DEBUG",
        variables: JSON.stringify(variablesBefore(props.history, e)),
        mock: last?.result !== undefined ? { result: last.result } : undefined,
      });
      setOut(r.inspectionData ?? {});
    } catch (err) {
      setError(err);
    }
  };
  if (!out) {
    return (
      <div class="dataflow">
        <button onClick={run} data-testid="dataflow">Show each step (InputPath, Parameters, ResultSelector, ResultPath)</button>
        <ErrorBox error={error} />
      </div>
    );
  }
  const steps: [keyof Inspection, string][] = [["afterInputPath", "After InputPath"], ["afterParameters", "After Parameters"], ["result", "Result"], ["afterResultSelector", "After ResultSelector"], ["afterResultPath", "After ResultPath"]];
  return (
    <div class="dataflow" data-testid="dataflow-steps">
      <p class="muted small">Recomputed by TestState from the state's definition, its input{e.attempts.length ? " and its raw result" : ""}.</p>
      {steps.filter(([k]) => out[k] !== undefined).map(([k, label]) => (<div key={k}><h4>{label}</h4><Json text={out[k]} /></div>))}
    </div>
  );
}

function safeParse(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

interface Row {
  depth: number;
  key: string;
  entry?: Entry;
  frame?: Frame;
}

function TableView(props: { history: History; version: number; onSelect: (state: string) => void }) {
  const h = props.history;
  const [open, setOpen] = useState<Set<string>>(new Set());
  const rows = useMemo(() => {
    const out: Row[] = [];
    const walk = (f: Frame, depth: number) => {
      for (const e of f.entries) {
        out.push({ depth, key: `e${e.id}`, entry: e });
        if (e.children.length > 0 && open.has(`e${e.id}`)) {
          const kids = e.type === "Map" ? h.iterationsOf(e) : e.children;
          for (const k of kids) {
            out.push({ depth: depth + 1, key: k.key, frame: k });
            if (open.has(k.key)) walk(k, depth + 2);
          }
        }
      }
    };
    walk(h.root, 0);
    return out;
  }, [props.version, open]);
  const t0 = h.execution.start ?? 0;
  const t1 = Math.max(h.execution.stop ?? Date.now(), t0 + 1);
  const toggle = (k: string) => {
    const s = new Set(open);
    if (s.has(k)) s.delete(k);
    else s.add(k);
    setOpen(s);
  };
  const bar = (start: number, end: number | undefined, cls: string) => {
    const left = ((start - t0) / (t1 - t0)) * 100;
    const width = Math.max(0.5, (((end ?? t1) - start) / (t1 - t0)) * 100);
    return <div class="timeline"><i class={cls} style={{ left: `${left}%`, width: `${Math.min(width, 100 - left)}%` }} /></div>;
  };
  return (
    <div class="table-view">
      <div class="trow thead"><span>Name</span><span>Type</span><span>Status</span><span>Started</span><span>Duration</span><span>Timeline</span></div>
      <VirtualList items={rows} rowHeight={30} height={Math.min(600, Math.max(rows.length, 3) * 30 + 4)} testid="table-view" row={(r) => {
        if (r.frame) {
          const f = r.frame;
          const first = f.entries[0];
          const lastE = f.entries[f.entries.length - 1];
          const st: Status = f.end === "succeeded" ? "succeeded" : f.end === "failed" ? "failed" : f.end === "aborted" ? "cancelled" : lastE ? h.statusOf(lastE) : "running";
          return (
            <div class="trow frame" key={r.key} data-testid="table-row">
              <span style={{ paddingLeft: `${r.depth * 18}px` }}>
                <button class="twisty" onClick={() => toggle(r.key)}>{open.has(r.key) ? "▾" : "▸"}</button>
                {f.kind === "iteration" ? `Iteration ${f.index}` : `Branch ${f.index + 1}`}
              </span>
              <span class="muted">{f.kind}</span>
              <span><StateBadge status={st} /></span>
              <span>{first ? when(first.start) : ""}</span>
              <span>{first ? duration((lastE.end ?? t1) - first.start) : ""}</span>
              {first ? bar(first.start, lastE.end, `sw-${st}`) : <span />}
            </div>
          );
        }
        const e = r.entry!;
        const st = h.statusOf(e);
        return (
          <div class="trow" key={r.key} data-testid="table-row" data-state={e.name}>
            <span style={{ paddingLeft: `${r.depth * 18}px` }}>
              {e.children.length > 0 ? <button class="twisty" onClick={() => toggle(r.key)} data-testid="expand">{open.has(r.key) ? "▾" : "▸"}</button> : <span class="twisty" />}
              <a onClick={() => props.onSelect(e.name)}>{e.name}</a>
            </span>
            <span>{e.type}</span>
            <span><StateBadge status={st} /></span>
            <span>{when(e.start)}</span>
            <span>{duration((e.end ?? (st === "running" ? Date.now() : h.execution.stop ?? Date.now())) - e.start)}</span>
            {bar(e.start, e.end, `sw-${st}`)}
          </div>
        );
      }} />
    </div>
  );
}

function eventSummary(ev: HistoryEvent): string {
  for (const k in ev) {
    if (!k.endsWith("EventDetails")) continue;
    const d = ev[k] as Record<string, unknown>;
    const parts = [];
    if (d.name) parts.push(String(d.name));
    if (d.index !== undefined) parts.push(`index ${d.index}`);
    if (d.error) parts.push(String(d.error));
    if (d.resource) parts.push(String(d.resource));
    return parts.join(" · ");
  }
  return "";
}

function EventView(props: { history: History; version: number }) {
  const h = props.history;
  const [type, setType] = useState("");
  const [search, setSearch] = useState("");
  const [sel, setSel] = useState<HistoryEvent | null>(null);
  const types = useMemo(() => [...new Set(h.events.map((e) => e.type))].sort(), [props.version]);
  const shown = useMemo(() => {
    const s = search.toLowerCase();
    return h.events.filter((e) => (!type || e.type === type) && (!s || searchText(e).includes(s)));
  }, [props.version, type, search]);
  const t0 = h.execution.start ?? 0;
  return (
    <div class="event-view">
      <div class="filters">
        <select value={type} onChange={(e) => setType((e.target as HTMLSelectElement).value)} data-testid="event-type">
          <option value="">All types ({h.events.length})</option>
          {types.map((t) => <option key={t} value={t}>{t}</option>)}
        </select>
        <input type="search" placeholder="Search events" value={search} onInput={(e) => setSearch((e.target as HTMLInputElement).value)} data-testid="event-search" />
        <span class="muted">{shown.length} events</span>
      </div>
      <div class="two-col events">
        <div>
          <div class="erow thead"><span>ID</span><span>Type</span><span>Time</span><span>Details</span></div>
          <VirtualList items={shown} rowHeight={28} height={560} testid="event-list" row={(ev) => (
            <div class={`erow${sel === ev ? " on" : ""}`} key={ev.id} onClick={() => setSel(ev)} data-testid="event-row">
              <span>{ev.id}</span>
              <span class={/Failed|TimedOut|Aborted/.test(ev.type) ? "bad" : ""}>{ev.type}</span>
              <span>+{duration((apiTime(ev.timestamp) ?? t0) - t0)}</span>
              <span class="muted ellipsis">{eventSummary(ev)}</span>
            </div>
          )} />
        </div>
        <div data-testid="event-details">{sel ? <Json value={expand(sel)} /> : <p class="muted">Select an event to see its details.</p>}</div>
      </div>
    </div>
  );
}

// Each event's text, lower-cased, made once: a search runs on every key.
const texts = new WeakMap<HistoryEvent, string>();

function searchText(e: HistoryEvent): string {
  let t = texts.get(e);
  if (t === undefined) {
    t = JSON.stringify(e).toLowerCase();
    texts.set(e, t);
  }
  return t;
}

/** expand shows JSON carried as text (input, output) as JSON. */
function expand(ev: HistoryEvent): unknown {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(ev)) {
    if (k.endsWith("EventDetails") && v && typeof v === "object") {
      const d: Record<string, unknown> = {};
      for (const [dk, dv] of Object.entries(v as Record<string, unknown>)) {
        d[dk] = typeof dv === "string" && /^(input|output|parameters|result)$/.test(dk) ? safeParse(dv) : dv;
      }
      out[k] = d;
    } else out[k] = v;
  }
  return out;
}
