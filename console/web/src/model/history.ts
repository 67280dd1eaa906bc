// What happened to each state, read from an execution's history. Pure and
// incremental: events are added as they arrive (a live page adds the new
// ones), each in one pass, so a 25,000-event history is read in
// milliseconds.
//
// Events of Parallel branches and Map iterations interleave; each event's
// previousEventId names the event before it in its own thread, so walking
// back from an event reaches the ParallelStateStarted or MapIterationStarted
// that began its branch or iteration.

import type { Place } from "./graph";

export interface HistoryEvent {
  id: number;
  previousEventId?: number;
  type: string;
  timestamp: number | string; // epoch seconds (the API's JSON) or ISO text
  [details: string]: unknown;
}

export type Status = "succeeded" | "failed" | "caught" | "cancelled" | "running" | "notReached";

export interface Attempt {
  scheduledId: number;
  start: number; // epoch ms
  end?: number;
  status: "running" | "succeeded" | "failed";
  resource?: string;
  parameters?: string; // after Parameters/Arguments, as the task got them
  result?: string; // the raw result
  error?: string;
  cause?: string;
}

/** One visit of a state. */
export interface Entry {
  id: number; // the StateEntered event's id
  name: string;
  type: string; // from the event type: Task, Pass, Map, ...
  frame: Frame;
  start: number;
  end?: number;
  input?: string;
  output?: string;
  assigned?: Record<string, string>;
  attempts: Attempt[];
  error?: string;
  cause?: string;
  failed: boolean; // its last outcome was a failure (caught if it exited)
  exited: boolean;
  children: Frame[]; // Map iterations or Parallel branches, in the order they began
  mapLength?: number;
}

/** A thread of execution: the execution itself, one Parallel branch, or
 * one Map iteration. */
export interface Frame {
  key: string;
  owner?: Entry; // the Map or Parallel entry; none for the execution
  kind: "execution" | "branch" | "iteration";
  index: number; // branch or iteration index
  entries: Entry[];
  end?: "succeeded" | "failed" | "aborted";
}

export interface ExecutionView {
  status: "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED";
  start?: number;
  stop?: number;
  input?: string;
  output?: string;
  error?: string;
  cause?: string;
  redriveCount: number;
}

function eventTime(t: number | string): number {
  return typeof t === "number" ? Math.round(t * 1000) : Date.parse(t);
}

function details(ev: HistoryEvent): Record<string, unknown> {
  for (const k in ev) {
    if (k.endsWith("EventDetails")) {
      const d = ev[k];
      if (d && typeof d === "object") return d as Record<string, unknown>;
    }
  }
  return {};
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

const failureTypes = new Set([
  "TaskFailed", "TaskTimedOut", "ActivityFailed", "ActivityTimedOut", "ActivityScheduleFailed",
  "LambdaFunctionFailed", "LambdaFunctionTimedOut", "LambdaFunctionScheduleFailed", "LambdaFunctionStartFailed",
  "TaskStartFailed", "TaskSubmitFailed", "MapStateFailed", "ParallelStateFailed", "EvaluationFailed", "MapRunFailed",
]);
const scheduledTypes = new Set(["TaskScheduled", "ActivityScheduled", "LambdaFunctionScheduled"]);
const succeededTypes = new Set(["TaskSucceeded", "ActivitySucceeded", "LambdaFunctionSucceeded"]);

/** History reads events in id order and keeps what the views need. */
export class History {
  readonly events: HistoryEvent[] = [];
  readonly root: Frame = { key: "", kind: "execution", index: 0, entries: [] };
  readonly entries: Entry[] = [];
  readonly execution: ExecutionView = { status: "RUNNING", redriveCount: 0 };
  // Per event id: its frame and the entry it belongs to.
  private frameOf: (Frame | undefined)[] = [];
  private entryOf: (Entry | undefined)[] = [];
  private frames = new Map<string, Frame>();
  private places: Map<string, Place>;
  // Bumped on every add, so views know to redraw.
  version = 0;

  constructor(places: Map<string, Place>) {
    this.places = places;
  }

  get lastId(): number {
    return this.events.length ? this.events[this.events.length - 1].id : 0;
  }

  add(events: HistoryEvent[]): void {
    for (const ev of events) {
      if (ev.id <= this.lastId) continue; // already read
      this.one(ev);
    }
    this.version++;
  }

  private frame(owner: Entry, kind: Frame["kind"], index: number): Frame {
    const key = `${owner.id}/${kind === "branch" ? "b" : "i"}${index}`;
    let f = this.frames.get(key);
    if (!f) {
      f = { key, owner, kind, index, entries: [] };
      this.frames.set(key, f);
      owner.children.push(f);
    }
    return f;
  }

  private one(ev: HistoryEvent): void {
    this.events.push(ev);
    const d = details(ev);
    const t = eventTime(ev.timestamp);
    const prevId = ev.previousEventId ?? 0;
    const prev = prevId > 0 ? this.events[this.indexOf(prevId)] : undefined;
    let frame = prev ? this.frameOf[prevId] ?? this.root : this.root;
    let entry = prev ? this.entryOf[prevId] : undefined;
    const type = ev.type;

    // A state's exit closes it: what follows in its thread belongs to the
    // frame's owner (a Map or Parallel) or to nobody (the execution).
    if (prev && prev.type.endsWith("StateExited")) entry = frame.owner;

    if (prev && prev.type === "MapIterationStarted" && entry) {
      const idx = Number(details(prev).index ?? 0);
      frame = this.frame(entry, "iteration", idx);
    } else if (prev && prev.type === "ParallelStateStarted" && entry && type.endsWith("StateEntered")) {
      const name = str(d.name) ?? "";
      const place = this.places.get(name);
      const step = place?.path.find((p) => p.container === entry!.name);
      frame = this.frame(entry, "branch", step ? step.branch : 0);
    }

    if (type.endsWith("StateEntered")) {
      const e: Entry = {
        id: ev.id, name: str(d.name) ?? "?", type: type.slice(0, -"StateEntered".length), frame,
        start: t, input: str(d.input), attempts: [], failed: false, exited: false, children: [],
      };
      frame.entries.push(e);
      this.entries.push(e);
      entry = e;
    } else if (type.endsWith("StateExited") && entry) {
      entry.exited = true;
      entry.end = t;
      entry.output = str(d.output);
      if (d.assignedVariables && typeof d.assignedVariables === "object") {
        entry.assigned = d.assignedVariables as Record<string, string>;
      }
    } else if (type === "MapIterationSucceeded" || type === "MapIterationFailed" || type === "MapIterationAborted") {
      // The iteration's frame is the one of the event before; the event
      // itself belongs to the Map.
      if (frame.kind === "iteration") {
        frame.end = type === "MapIterationSucceeded" ? "succeeded" : type === "MapIterationFailed" ? "failed" : "aborted";
        entry = frame.owner;
        frame = frame.owner!.frame;
      }
    } else if (type === "MapStateStarted" && entry) {
      entry.mapLength = Number(d.length ?? 0);
    } else if (scheduledTypes.has(type) && entry) {
      entry.attempts.push({
        scheduledId: ev.id, start: t, status: "running", resource: str(d.resource),
        parameters: str(d.parameters) ?? str(d.input),
      });
    } else if (succeededTypes.has(type) && entry) {
      const a = entry.attempts[entry.attempts.length - 1];
      if (a) Object.assign(a, { status: "succeeded", end: t, result: str(d.output) });
      // A retry that succeeds ends the failure.
      Object.assign(entry, { failed: false, error: undefined, cause: undefined });
    } else if (failureTypes.has(type) && entry) {
      entry.failed = true;
      entry.error = str(d.error);
      entry.cause = str(d.cause);
      const a = entry.attempts[entry.attempts.length - 1];
      if (a && a.status === "running") Object.assign(a, { status: "failed", end: t, error: entry.error, cause: entry.cause });
    } else if (type === "ExecutionStarted") {
      this.execution.start = t;
      this.execution.input = str(d.input);
    } else if (type === "ExecutionSucceeded") {
      Object.assign(this.execution, { status: "SUCCEEDED", stop: t, output: str(d.output) });
    } else if (type === "ExecutionFailed" || type === "ExecutionTimedOut" || type === "ExecutionAborted") {
      const status = type === "ExecutionFailed" ? "FAILED" : type === "ExecutionTimedOut" ? "TIMED_OUT" : "ABORTED";
      Object.assign(this.execution, { status, stop: t, error: str(d.error), cause: str(d.cause) });
      // The error belongs to the state that was running when it came, if
      // the thread still had one open.
      if (entry && !entry.exited && status === "FAILED" && !entry.failed) {
        entry.error ??= str(d.error);
        entry.cause ??= str(d.cause);
      }
    } else if (type === "ExecutionRedriven") {
      Object.assign(this.execution, { status: "RUNNING", stop: undefined, error: undefined, cause: undefined });
      this.execution.redriveCount = Number(d.redriveCount ?? this.execution.redriveCount + 1);
    }
    this.frameOf[ev.id] = frame;
    this.entryOf[ev.id] = entry;
  }

  private indexOf(id: number): number {
    // Ids are 1, 2, 3, ... in a history; fall back to a search otherwise.
    const i = id - 1;
    if (this.events[i]?.id === id) return i;
    let lo = 0, hi = this.events.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = this.events[mid].id;
      if (v === id) return mid;
      if (v < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** statusOf says what happened in one visit of a state. */
  statusOf(e: Entry): Status {
    if (e.exited) return e.failed ? "caught" : "succeeded";
    if (e.failed || e.type === "Fail") return "failed";
    // Not exited and no failure of its own: it runs, or its thread ended
    // around it.
    for (let f: Frame | undefined = e.frame; f; f = f.owner?.frame) {
      if (f.end === "aborted") return "cancelled";
      if (f.end === "failed") return "cancelled";
      if (f.kind === "execution") break;
      if (f.owner && f.owner.exited) return f.owner.failed ? "cancelled" : "succeeded";
      if (f.owner && f.owner.failed) return "cancelled";
    }
    switch (this.execution.status) {
      case "RUNNING":
        return "running";
      case "ABORTED":
        return "cancelled";
      case "TIMED_OUT":
        return "failed";
      default:
        return e.error !== undefined ? "failed" : "cancelled";
    }
  }

  /** stateStatus says what happened to each state, over the entries
   * given (all by default, or one Map iteration's): the last visit wins,
   * except that within a Map or Parallel a failure anywhere shows. */
  stateStatus(filter?: (e: Entry) => boolean): Map<string, Status> {
    const out = new Map<string, Status>();
    const rank: Record<Status, number> = { notReached: 0, succeeded: 1, caught: 2, cancelled: 3, running: 4, failed: 5 };
    for (const e of this.entries) {
      if (filter && !filter(e)) continue;
      const s = this.statusOf(e);
      const had = out.get(e.name);
      if (had === undefined || e.frame.kind === "execution" || rank[s] >= rank[had]) out.set(e.name, s);
    }
    return out;
  }

  /** iterationsOf lists a Map entry's iterations by index. */
  iterationsOf(e: Entry): Frame[] {
    return e.children.filter((f) => f.kind === "iteration").sort((a, b) => a.index - b.index);
  }
}

/** inFrame says whether an entry lies inside a frame (at any depth). */
export function inFrame(e: Entry, f: Frame): boolean {
  for (let x: Frame | undefined = e.frame; x; x = x.owner?.frame) {
    if (x === f) return true;
    if (x.kind === "execution") return false;
  }
  return false;
}
