// JSON shown indented and highlighted. A large document shows its first
// lines until asked for all of it, and is highlighted only while small:
// a 256 KiB payload (a Map's 10,000 items) never stalls the page.

import { useState } from "preact/hooks";
import { pretty } from "../format";

const HIGHLIGHT = 30_000; // characters
const LINES = 120; // shown before "Show all"
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

/** cut gives the first n lines of a text, and how many lines it has. */
function cut(text: string, n: number): { head: string; lines: number } {
  let i = -1;
  let k = 0;
  while (k < n && (i = text.indexOf("\n", i + 1)) !== -1) k++;
  if (i === -1) return { head: text, lines: k + 1 };
  let lines = k;
  for (let j = i; j !== -1; j = text.indexOf("\n", j + 1)) lines++;
  return { head: text.slice(0, i), lines };
}

export function Json(props: { text?: string; value?: unknown; empty?: string; testid?: string }) {
  const [all, setAll] = useState(false);
  let text: string;
  if (props.value !== undefined) text = JSON.stringify(props.value, null, 2);
  else if (props.text !== undefined) text = pretty(props.text);
  else return <div class="muted" data-testid={props.testid}>{props.empty ?? "—"}</div>;
  const { head, lines } = all ? { head: text, lines: 0 } : cut(text, LINES);
  const shown = head.length < text.length ? head : text;
  return (
    <div>
      <pre class="json" data-testid={props.testid}>{shown.length > HIGHLIGHT ? shown : highlight(shown)}</pre>
      {shown.length < text.length && (
        <button class="more" onClick={() => setAll(true)}>Show all {lines.toLocaleString()} lines</button>
      )}
    </div>
  );
}
