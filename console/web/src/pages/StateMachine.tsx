import { useMemo, useState } from "preact/hooks";
import { sfn } from "../api";
import { graphOf } from "../definition";
import { apiTime, when } from "../format";
import { go, href } from "../router";
import { Diagram } from "../ui/Diagram";
import { ErrorBox, JsonEditor, Modal, Tabs, isJson, useAsync } from "../ui/common";
import { Json } from "../ui/Json";
import { ExecutionList, type Filters } from "./Executions";

interface Described {
  stateMachineArn: string;
  name: string;
  type: string;
  definition: string;
  roleArn: string;
  creationDate: number;
  status?: string;
  description?: string;
  revisionId?: string;
}

export function StateMachine(props: { arn: string; query: URLSearchParams }) {
  const { arn, query } = props;
  const tab = query.get("tab") ?? "executions";
  const sm = useAsync(() => sfn<Described>("DescribeStateMachine", { stateMachineArn: arn }), [arn]);
  const [starting, setStarting] = useState(false);
  const [filters, setFilters] = useState<Filters>({ stateMachine: arn });
  const drawn = useMemo(() => (sm.data ? graphOf(sm.data.definition) : null), [sm.data?.definition]);
  const setTab = (t: string) => go(["state-machines", arn], { tab: t }, true);
  if (sm.error) return <section><ErrorBox error={sm.error} /></section>;
  if (!sm.data) return <section class="muted">Loading…</section>;
  const d = sm.data;
  return (
    <section>
      <div class="page-head">
        <div>
          <div class="crumbs"><a href="#/">State machines</a> /</div>
          <h1>{d.name}</h1>
        </div>
        <button class="primary" onClick={() => setStarting(true)} data-testid="start-execution">Start execution</button>
      </div>
      <dl class="summary">
        <div><dt>Type</dt><dd>{d.type}</dd></div>
        <div><dt>Created</dt><dd>{when(apiTime(d.creationDate))}</dd></div>
        <div><dt>Role</dt><dd class="mono small">{d.roleArn}</dd></div>
        <div><dt>ARN</dt><dd class="mono small">{d.stateMachineArn}</dd></div>
        {d.description && <div><dt>Description</dt><dd>{d.description}</dd></div>}
      </dl>
      {drawn?.graph ? <Diagram graph={drawn.graph} /> : <ErrorBox error={{ message: `The definition cannot be drawn: ${drawn?.error}` }} />}
      <Tabs active={tab} onChange={setTab} tabs={[["executions", "Executions"], ["definition", "Definition"], ["versions", "Versions and aliases"], ["tags", "Tags"]]} />
      {tab === "executions" && <ExecutionList filters={filters} onFilters={(f) => setFilters({ ...f, stateMachine: arn })} fixedMachine />}
      {tab === "definition" && (drawn?.yaml ? <pre class="json" data-testid="definition">{d.definition}</pre> : <Json text={d.definition} testid="definition" />)}
      {tab === "versions" && <Versions arn={arn} />}
      {tab === "tags" && <Tags arn={arn} />}
      {starting && <StartDialog target={arn} onClose={() => setStarting(false)} />}
    </section>
  );
}

function Versions(props: { arn: string }) {
  const v = useAsync(() => sfn<{ stateMachineVersions: { stateMachineVersionArn: string; creationDate: number }[] }>("ListStateMachineVersions", { stateMachineArn: props.arn }), [props.arn]);
  const a = useAsync(async () => {
    const list = await sfn<{ stateMachineAliases: { stateMachineAliasArn: string; creationDate: number }[] }>("ListStateMachineAliases", { stateMachineArn: props.arn });
    return Promise.all(list.stateMachineAliases.map((x) => sfn<{ stateMachineAliasArn: string; name: string; description?: string; routingConfiguration: { stateMachineVersionArn: string; weight: number }[]; creationDate: number }>("DescribeStateMachineAlias", { stateMachineAliasArn: x.stateMachineAliasArn })));
  }, [props.arn]);
  return (
    <div class="two-col">
      <div>
        <h3>Versions</h3>
        <ErrorBox error={v.error} />
        <table class="list">
          <thead><tr><th>Version</th><th>Created</th></tr></thead>
          <tbody>
            {(v.data?.stateMachineVersions ?? []).map((x) => (
              <tr key={x.stateMachineVersionArn}>
                <td><a href={href(["executions"], { stateMachine: x.stateMachineVersionArn })}>{x.stateMachineVersionArn.split(":").pop()}</a></td>
                <td>{when(apiTime(x.creationDate))}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {v.data && v.data.stateMachineVersions.length === 0 && <p class="muted">No versions published.</p>}
      </div>
      <div>
        <h3>Aliases</h3>
        <ErrorBox error={a.error} />
        <table class="list">
          <thead><tr><th>Alias</th><th>Routes to</th><th>Created</th></tr></thead>
          <tbody>
            {(a.data ?? []).map((x) => (
              <tr key={x.stateMachineAliasArn}>
                <td>{x.name}{x.description && <div class="muted small">{x.description}</div>}</td>
                <td>{x.routingConfiguration.map((r) => <div key={r.stateMachineVersionArn}>version {r.stateMachineVersionArn.split(":").pop()}: {r.weight}%</div>)}</td>
                <td>{when(apiTime(x.creationDate))}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {a.data && a.data.length === 0 && <p class="muted">No aliases.</p>}
      </div>
    </div>
  );
}

function Tags(props: { arn: string }) {
  const t = useAsync(() => sfn<{ tags: { key: string; value: string }[] }>("ListTagsForResource", { resourceArn: props.arn }), [props.arn]);
  return (
    <div>
      <ErrorBox error={t.error} />
      <table class="list" data-testid="tags">
        <thead><tr><th>Key</th><th>Value</th></tr></thead>
        <tbody>{(t.data?.tags ?? []).map((x) => <tr key={x.key}><td>{x.key}</td><td>{x.value}</td></tr>)}</tbody>
      </table>
      {t.data && t.data.tags.length === 0 && <p class="muted">No tags.</p>}
    </div>
  );
}

/** StartDialog starts an execution of a state machine (or version or
 * alias) with a name and an input checked as it is typed. */
export function StartDialog(props: { target: string; input?: string; onClose: () => void }) {
  const [name, setName] = useState("");
  const [input, setInput] = useState(props.input ?? '{\n  "comment": "hello"\n}');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const start = async () => {
    setBusy(true);
    try {
      const out = await sfn<{ executionArn: string }>("StartExecution", { stateMachineArn: props.target, name: name || undefined, input });
      props.onClose();
      go(["executions", out.executionArn]);
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };
  return (
    <Modal title="Start execution" onClose={props.onClose}>
      <label class="field">Name (optional: a UUID otherwise)<input value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} data-testid="start-name" /></label>
      <label class="field">Input</label>
      <JsonEditor value={input} onInput={setInput} rows={12} testid="start-input" />
      <ErrorBox error={error} />
      <div class="actions">
        <button onClick={props.onClose}>Cancel</button>
        <button class="primary" disabled={busy || !isJson(input)} onClick={start} data-testid="start-confirm">Start</button>
      </div>
    </Modal>
  );
}
