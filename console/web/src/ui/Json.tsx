// JSON shown indented and highlighted. Large documents are shown as plain
// text past a size, so a 256 KiB payload never stalls the page.

import { pretty } from "../format";

const LIMIT = 200_000;
const token = /("(?:\\.|[^"\\])*")(\s*:)?|\b(true|false|null)\b|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g;

function highlight(text: string): (string | preact.JSX.Element)[] {
  const out: (string | preact.JSX.Element)[] = [];
  let last = 0;
  for (const m of text.matchAll(token)) {
    const i = m.index ?? 0;
    if (i > last) out.push(text.slice(last, i));
    if (m[1] !== undefined) {
      out.push(<span class={m[2] ? "j-key" : "j-str"}>{m[1]}</span>);
      if (m[2]) out.push(m[2]);
    } else if (m[3] !== undefined) out.push(<span class="j-lit">{m[3]}</span>);
    else out.push(<span class="j-num">{m[4]}</span>);
    last = i + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

export function Json(props: { text?: string; value?: unknown; empty?: string; testid?: string }) {
  let text: string;
  if (props.value !== undefined) text = JSON.stringify(props.value, null, 2);
  else if (props.text !== undefined) text = pretty(props.text);
  else return <div class="muted" data-testid={props.testid}>{props.empty ?? "—"}</div>;
  return (
    <pre class="json" data-testid={props.testid}>
      {text.length > LIMIT ? text : highlight(text)}
    </pre>
  );
}
