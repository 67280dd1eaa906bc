import { useEffect } from "preact/hooks";
import { consoleGet, type ActivityRow } from "../api";
import { when } from "../format";
import { ErrorBox, useAsync } from "../ui/common";

export function Activities() {
  const { data, error, reload } = useAsync(() => consoleGet<{ activities: ActivityRow[] }>("activities"), []);
  useEffect(() => {
    const t = setInterval(reload, 5000);
    return () => clearInterval(t);
  }, []);
  const rows = data?.activities ?? [];
  return (
    <section>
      <div class="page-head"><h1>Activities</h1><button onClick={reload}>Refresh</button></div>
      <ErrorBox error={error} />
      <table class="list" data-testid="activities">
        <thead><tr><th>Name</th><th>ARN</th><th>Created</th><th>Tasks waiting</th><th>Tasks in flight</th><th>Last poll by a worker</th></tr></thead>
        <tbody>
          {rows.map((a) => (
            <tr key={a.activityArn}>
              <td>{a.name}</td>
              <td class="mono small">{a.activityArn}</td>
              <td>{when(a.creationDate)}</td>
              <td class="num">{a.waiting}</td>
              <td class="num">{a.inFlight}</td>
              <td>{a.lastPoll ? when(a.lastPoll) : <span class="muted">never (on this server)</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {data && rows.length === 0 && <p class="muted">No activities.</p>}
    </section>
  );
}
