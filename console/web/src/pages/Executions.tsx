import { useEffect, useRef, useState } from "preact/hooks";
import { consoleGet, sfn, statuses, watch, type ExecutionPage, type ExecutionRow } from "../api";
import { arnName, duration, when } from "../format";
import { go, href } from "../router";
import { ErrorBox, Modal, StatusBadge } from "../ui/common";

export interface Filters {
  stateMachine?: string;
  status?: string;
  from?: string; // datetime-local text
  to?: string;
  prefix?: string;
  text?: string;
}

function ms(local?: string): number | undefined {
  if (!local) return undefined;
  const t = Date.parse(local);
  return Number.isNaN(t) ? undefined : t;
}

/** ExecutionList lists executions page by page from the server, with
 * filters, live refresh of the first page, and Stop/Redrive of a
 * selection. */
export function ExecutionList(props: { filters: Filters; onFilters: (f: Filters) => void; fixedMachine?: boolean }) {
  const f = props.filters;
  const [page, setPage] = useState<ExecutionPage | null>(null);
  const [tokens, setTokens] = useState<(string | undefined)[]>([undefined]); // the token of each page seen
  const [error, setError] = useState<unknown>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [stopping, setStopping] = useState(false);
  const [notice, setNotice] = useState("");
  const [text, setText] = useState({ prefix: f.prefix ?? "", text: f.text ?? "" });
  const current = tokens[tokens.length - 1];
  const seq = useRef(0);

  const load = async (token?: string) => {
    const mine = ++seq.current;
    try {
      const p = await consoleGet<ExecutionPage>("executions", {
        stateMachineArn: f.stateMachine, status: f.status, startedAfter: ms(f.from), startedBefore: ms(f.to),
        namePrefix: f.prefix, text: f.text, limit: 50, nextToken: token,
      });
      if (mine === seq.current) {
        setPage(p);
        setError(null);
      }
    } catch (e) {
      if (mine === seq.current) setError(e);
    }
  };
  const key = JSON.stringify(f);
  useEffect(() => {
    setTokens([undefined]);
    setSelected(new Set());
    load(undefined);
  }, [key]);
  // The first page follows starts and finishes as they happen.
  useEffect(() => {
    if (current !== undefined) return;
    let timer = 0;
    const later = () => {
      if (!timer) timer = window.setTimeout(() => ((timer = 0), load(undefined)), 500);
    };
    const stop = watch(null, (m) => {
      if (!f.stateMachine || m.stateMachineArn === f.stateMachine) later();
    }, later);
    return () => {
      stop();
      clearTimeout(timer);
    };
  }, [key, current]);

  const rows = page?.executions ?? [];
  const toggle = (arn: string) => {
    const s = new Set(selected);
    if (s.has(arn)) s.delete(arn);
    else s.add(arn);
    setSelected(s);
  };
  const chosen = rows.filter((r) => selected.has(r.executionArn));
  const redrive = async () => {
    const results = await Promise.allSettled(chosen.map((r) => sfn("RedriveExecution", { executionArn: r.executionArn })));
    report("Redriven", results);
  };
  const report = (verb: string, results: PromiseSettledResult<unknown>[]) => {
    const bad = results.filter((r) => r.status === "rejected") as PromiseRejectedResult[];
    setNotice(`${verb}: ${results.length - bad.length} of ${results.length}.` + (bad.length ? ` ${bad[0].reason.message}` : ""));
    setSelected(new Set());
    load(current);
  };
  const set = (patch: Partial<Filters>) => props.onFilters({ ...f, ...patch });

  return (
    <div>
      <form class="filters" onSubmit={(e) => (e.preventDefault(), set({ prefix: text.prefix || undefined, text: text.text || undefined }))}>
        <select value={f.status ?? ""} onChange={(e) => set({ status: (e.target as HTMLSelectElement).value || undefined })} data-testid="filter-status">
          <option value="">Any status</option>
          {statuses.map((s) => <option key={s} value={s}>{s}</option>)}
        </select>
        <label>From <input type="datetime-local" step="1" value={f.from ?? ""} onChange={(e) => set({ from: (e.target as HTMLInputElement).value || undefined })} /></label>
        <label>To <input type="datetime-local" step="1" value={f.to ?? ""} onChange={(e) => set({ to: (e.target as HTMLInputElement).value || undefined })} /></label>
        <input type="search" placeholder="Name starts with" value={text.prefix} onInput={(e) => setText({ ...text, prefix: (e.target as HTMLInputElement).value })} data-testid="filter-prefix" />
        <input type="search" placeholder="Text in input, output, error or cause" class="wide" value={text.text} onInput={(e) => setText({ ...text, text: (e.target as HTMLInputElement).value })} data-testid="filter-text" />
        <button type="submit">Search</button>
      </form>
      <div class="toolbar">
        <button disabled={chosen.length === 0} onClick={() => setStopping(true)} data-testid="bulk-stop">Stop ({chosen.length})</button>
        <button disabled={chosen.length === 0} onClick={redrive} data-testid="bulk-redrive">Redrive ({chosen.length})</button>
        <span class="muted">{notice}</span>
      </div>
      <ErrorBox error={error} />
      <table class="list" data-testid="executions">
        <thead>
          <tr>
            <th><input type="checkbox" aria-label="Select all" checked={rows.length > 0 && chosen.length === rows.length}
              onChange={(e) => setSelected(new Set((e.target as HTMLInputElement).checked ? rows.map((r) => r.executionArn) : []))} /></th>
            <th>Name</th>{!props.fixedMachine && <th>State machine</th>}<th>Status</th><th>Started</th><th>Duration</th><th>Error</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r: ExecutionRow) => (
            <tr key={r.executionArn}>
              <td><input type="checkbox" aria-label={`Select ${r.name}`} checked={selected.has(r.executionArn)} onChange={() => toggle(r.executionArn)} /></td>
              <td><a href={href(["executions", r.executionArn])}>{r.name}</a>{r.redriveCount > 0 && <span class="muted small"> ↻{r.redriveCount}</span>}</td>
              {!props.fixedMachine && <td><a href={href(["state-machines", r.stateMachineArn])}>{arnName(r.stateMachineArn)}</a></td>}
              <td><StatusBadge status={r.status} /></td>
              <td>{when(r.startDate)}</td>
              <td>{r.stopDate ? duration(r.stopDate - r.startDate) : r.status === "RUNNING" ? duration(Date.now() - r.startDate) : "—"}</td>
              <td class="small">{r.error ?? ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {page && rows.length === 0 && <p class="muted">No executions match.</p>}
      <div class="pager">
        <button disabled={tokens.length <= 1} onClick={() => { const t = tokens.slice(0, -1); setTokens(t); load(t[t.length - 1]); }}>Previous</button>
        <span class="muted">Page {tokens.length}</span>
        <button disabled={!page?.nextToken} onClick={() => { setTokens([...tokens, page!.nextToken]); load(page!.nextToken); }} data-testid="next-page">Next</button>
      </div>
      {stopping && (
        <StopDialog count={chosen.length} onClose={() => setStopping(false)} onStop={async (error, cause) => {
          setStopping(false);
          report("Stopped", await Promise.allSettled(chosen.map((r) => sfn("StopExecution", { executionArn: r.executionArn, error, cause }))));
        }} />
      )}
    </div>
  );
}

export function StopDialog(props: { count: number; onClose: () => void; onStop: (error?: string, cause?: string) => void }) {
  const [error, setError] = useState("");
  const [cause, setCause] = useState("");
  return (
    <Modal title={props.count === 1 ? "Stop execution" : `Stop ${props.count} executions`} onClose={props.onClose}>
      <label class="field">Error (optional)<input value={error} onInput={(e) => setError((e.target as HTMLInputElement).value)} data-testid="stop-error" /></label>
      <label class="field">Cause (optional)<textarea rows={3} value={cause} onInput={(e) => setCause((e.target as HTMLTextAreaElement).value)} data-testid="stop-cause" /></label>
      <div class="actions">
        <button onClick={props.onClose}>Cancel</button>
        <button class="danger" onClick={() => props.onStop(error || undefined, cause || undefined)} data-testid="stop-confirm">Stop</button>
      </div>
    </Modal>
  );
}

/** Executions is the page of every execution (or one machine's), its
 * filters kept in the link. */
export function Executions(props: { query: URLSearchParams }) {
  const q = props.query;
  const filters: Filters = {
    stateMachine: q.get("stateMachine") ?? undefined, status: q.get("status") ?? undefined,
    from: q.get("from") ?? undefined, to: q.get("to") ?? undefined, prefix: q.get("prefix") ?? undefined, text: q.get("text") ?? undefined,
  };
  return (
    <section>
      <div class="page-head">
        <h1>Executions{filters.stateMachine ? ` of ${arnName(filters.stateMachine)}` : ""}</h1>
      </div>
      <ExecutionList filters={filters} onFilters={(f) => go(["executions"], { ...f } as Record<string, string | undefined>)} />
    </section>
  );
}
