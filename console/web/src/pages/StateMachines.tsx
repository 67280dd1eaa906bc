import { useEffect, useRef, useState } from "preact/hooks";
import { consoleGet, sfn, statuses, watch, type Overview } from "../api";
import { apiTime, when } from "../format";
import { href } from "../router";
import { ErrorBox, StatusBadge } from "../ui/common";

interface Machine {
  stateMachineArn: string;
  name: string;
  type: string;
  creationDate: number;
}

export function StateMachines() {
  const [machines, setMachines] = useState<Machine[]>([]);
  const [next, setNext] = useState<string | undefined>();
  const [overview, setOverview] = useState<Overview | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [search, setSearch] = useState("");
  const [loading, setLoading] = useState(true);

  const seq = useRef(0);
  // A page of state machines: all of them (ListStateMachines), or those
  // whose name holds the search (the console's API reads the rest).
  const load = async (token?: string, text = search) => {
    const mine = ++seq.current;
    setLoading(true);
    try {
      type Page = { stateMachines: Machine[]; nextToken?: string };
      const page = text
        ? await consoleGet<Page>("state-machines", { search: text, limit: 100, nextToken: token })
        : await sfn<Page>("ListStateMachines", { maxResults: 100, nextToken: token });
      if (mine !== seq.current) return;
      setMachines((m) => (token ? [...m, ...page.stateMachines] : page.stateMachines));
      setNext(page.nextToken);
      setError(null);
    } catch (e) {
      if (mine === seq.current) setError(e);
    }
    if (mine === seq.current) setLoading(false);
  };
  // The search runs on the server, a moment after the last key.
  useEffect(() => {
    const t = setTimeout(() => load(undefined, search), search ? 200 : 0);
    return () => clearTimeout(t);
  }, [search]);
  const counts = () => consoleGet<Overview>("overview").then(setOverview, setError);
  useEffect(() => {
    counts();
    // Counts follow starts and finishes, at most once a second.
    let timer = 0;
    const later = () => {
      if (!timer) timer = window.setTimeout(() => ((timer = 0), counts()), 1000);
    };
    const stop = watch(null, later, later);
    return () => {
      stop();
      clearTimeout(timer);
    };
  }, []);

  const shown = machines;
  return (
    <section>
      <div class="page-head">
        <h1>State machines</h1>
        <input type="search" placeholder="Search by name" value={search} onInput={(e) => setSearch((e.target as HTMLInputElement).value)} data-testid="search" />
      </div>
      <ErrorBox error={error} />
      <table class="list" data-testid="state-machines">
        <thead>
          <tr><th>Name</th><th>Type</th><th>Created</th><th>Executions, last 24 hours</th></tr>
        </thead>
        <tbody>
          {shown.map((m) => {
            const c = overview?.stateMachines[m.stateMachineArn] ?? {};
            return (
              <tr key={m.stateMachineArn}>
                <td><a href={href(["state-machines", m.stateMachineArn])}>{m.name}</a></td>
                <td>{m.type}</td>
                <td>{when(apiTime(m.creationDate))}</td>
                <td class="counts">
                  {statuses.filter((s) => c[s]).map((s) => (
                    <a key={s} href={href(["executions"], { stateMachine: m.stateMachineArn, status: s })} title={s}>
                      <StatusBadge status={s} /> {c[s]}
                    </a>
                  ))}
                  {statuses.every((s) => !c[s]) && <span class="muted">none</span>}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {!loading && shown.length === 0 && (search ? <p class="muted">No state machine matches.</p> : <GettingStarted />)}
      {next && <button onClick={() => load(next)}>Load more</button>}
    </section>
  );
}

/** GettingStarted shows how to point the aws CLI at this server. */
function GettingStarted() {
  const url = `${location.protocol}//${location.host}`;
  return (
    <div class="getting-started" data-testid="getting-started">
      <p>No state machines yet. This server speaks the Step Functions API: point the aws CLI or any AWS SDK at it.</p>
      <pre class="json">{`export AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x AWS_DEFAULT_REGION=us-east-1
aws stepfunctions --endpoint-url ${url} create-state-machine --name hello \\
    --role-arn arn:aws:iam::123456789012:role/baton --definition file://hello.json
aws stepfunctions --endpoint-url ${url} start-execution \\
    --state-machine-arn arn:aws:states:us-east-1:123456789012:stateMachine:hello`}</pre>
      <p class="muted">For <code>start-sync-execution</code> and <code>test-state</code>, set <code>AWS_DISABLE_HOST_PREFIX_INJECTION=true</code>: the SDKs send them to a <code>sync-</code> host otherwise.</p>
    </div>
  );
}
