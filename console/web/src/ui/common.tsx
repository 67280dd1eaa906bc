// Pieces every page uses.

import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import type { Status } from "../model/history";

export function StatusBadge(props: { status: string }) {
  return <span class={`badge st-${props.status}`} data-testid="status">{props.status.replace("_", " ")}</span>;
}

const stateWords: Record<Status, string> = {
  succeeded: "Succeeded", failed: "Failed", caught: "Caught error", cancelled: "Cancelled", running: "In progress", notReached: "Not reached",
};

export function StateBadge(props: { status: Status }) {
  return <span class={`badge sb-${props.status}`}>{stateWords[props.status]}</span>;
}

export function Legend() {
  return (
    <div class="legend">
      {(Object.keys(stateWords) as Status[]).map((s) => (
        <span key={s}><i class={`swatch sw-${s}`} />{stateWords[s]}</span>
      ))}
    </div>
  );
}

export function Tabs(props: { tabs: [string, string][]; active: string; onChange: (id: string) => void }) {
  return (
    <div class="tabs" role="tablist">
      {props.tabs.map(([id, label]) => (
        <button key={id} role="tab" aria-selected={props.active === id} class={props.active === id ? "active" : ""} onClick={() => props.onChange(id)} data-testid={`tab-${id}`}>
          {label}
        </button>
      ))}
    </div>
  );
}

export function ErrorBox(props: { error: unknown }) {
  if (!props.error) return null;
  const e = props.error as { code?: string; message?: string };
  return <div class="error-box" role="alert">{e.code ? <b>{e.code}: </b> : null}{e.message ?? String(props.error)}</div>;
}

export function Modal(props: { title: string; onClose: () => void; children: ComponentChildren }) {
  useEffect(() => {
    const key = (e: KeyboardEvent) => e.key === "Escape" && props.onClose();
    addEventListener("keydown", key);
    return () => removeEventListener("keydown", key);
  }, []);
  return (
    <div class="modal-back" onClick={props.onClose}>
      <div class="modal" role="dialog" aria-label={props.title} onClick={(e) => e.stopPropagation()}>
        <h2>{props.title}</h2>
        {props.children}
      </div>
    </div>
  );
}

/** JsonEditor is a text area that says whether its text is JSON as you type. */
export function JsonEditor(props: { value: string; onInput: (v: string) => void; rows?: number; testid?: string; allowEmpty?: boolean }) {
  let problem = "";
  if (props.value.trim() !== "" || !props.allowEmpty) {
    try {
      JSON.parse(props.value);
    } catch (e) {
      problem = (e as Error).message;
    }
  }
  return (
    <div class="json-editor">
      <textarea spellcheck={false} rows={props.rows ?? 10} value={props.value} data-testid={props.testid}
        class={problem ? "invalid" : ""} onInput={(e) => props.onInput((e.target as HTMLTextAreaElement).value)} />
      <div class={problem ? "hint bad" : "hint ok"} data-testid={props.testid ? `${props.testid}-hint` : undefined}>{problem ? `Not JSON: ${problem}` : "Valid JSON"}</div>
    </div>
  );
}

export function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** VirtualList renders only the rows in view: a 25,000-row list scrolls
 * like a 25-row one. Rows have one height. */
export function VirtualList<T>(props: { items: T[]; rowHeight: number; height: number; row: (item: T, index: number) => preact.JSX.Element; testid?: string }) {
  const [top, setTop] = useState(0);
  const ref = useRef<HTMLDivElement>(null);
  const { items, rowHeight, height } = props;
  const first = Math.max(0, Math.floor(top / rowHeight) - 10);
  const last = Math.min(items.length, Math.ceil((top + height) / rowHeight) + 10);
  const rows = [];
  for (let i = first; i < last; i++) rows.push(props.row(items[i], i));
  return (
    <div class="vlist" ref={ref} style={{ height: `${height}px` }} data-testid={props.testid} onScroll={(e) => setTop((e.target as HTMLDivElement).scrollTop)}>
      <div style={{ height: `${items.length * rowHeight}px`, position: "relative" }}>
        <div style={{ position: "absolute", top: `${first * rowHeight}px`, left: 0, right: 0 }}>{rows}</div>
      </div>
    </div>
  );
}

export function useAsync<T>(fn: () => Promise<T>, deps: unknown[]): { data?: T; error?: unknown; loading: boolean; reload: () => void } {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [n, setN] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    fn().then(
      (data) => live && setState({ data, loading: false }),
      (error) => live && setState({ error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, n]);
  return { ...state, reload: () => setN((x) => x + 1) };
}
