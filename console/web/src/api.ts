// The console reads and acts through the Step Functions API the server
// speaks to every client (POST / with X-Amz-Target), and through the
// console's own read-only API (/console/api/) for what that API cannot
// answer: search, counts, whole histories and live updates.

import type { HistoryEvent } from "./model/history";

export class ApiError extends Error {
  constructor(readonly code: string, message: string, readonly status: number) {
    super(message);
  }
}

/** sfn calls one Step Functions action. */
export async function sfn<T = Record<string, unknown>>(action: string, input: object = {}): Promise<T> {
  const res = await fetch("/", {
    method: "POST",
    headers: { "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": `AWSStepFunctions.${action}` },
    body: JSON.stringify(input),
  });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    throw new ApiError("InternalError", text || res.statusText, res.status);
  }
  if (!res.ok) {
    const code = String(body.__type ?? "Error").replace(/^.*#/, "");
    if (code === "MissingAuthenticationTokenException") signInNeeded();
    throw new ApiError(code, String(body.message ?? body.Message ?? res.statusText), res.status);
  }
  return body as T;
}

/** signInNeeded tells the page that the server wants a signed-in session
 * (a server that requires access keys, when the session ended). */
function signInNeeded(): void {
  dispatchEvent(new Event("baton-sign-in"));
}

export interface Session {
  required: boolean;
  signedIn: boolean;
  accessKeyId?: string;
}

export async function session(method: "GET" | "POST" | "DELETE", input?: { accessKeyId: string; secretAccessKey: string }): Promise<Session> {
  const res = await fetch("/console/api/session", {
    method,
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: input ? JSON.stringify(input) : undefined,
  });
  const body = await res.json().catch(() => ({ error: res.statusText }));
  if (!res.ok) throw new ApiError(String(res.status), String(body.error ?? res.statusText), res.status);
  return body as Session;
}

type Params = Record<string, string | number | undefined | null>;

function query(params: Params): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}

/** consoleGet reads the console's own API. */
export async function consoleGet<T>(path: string, params: Params = {}): Promise<T> {
  const res = await fetch(`/console/api/${path}${query(params)}`, { headers: { Accept: "application/json" } });
  const body = await res.json().catch(() => ({ error: res.statusText }));
  if (res.status === 401) signInNeeded();
  if (!res.ok) throw new ApiError(String(res.status), String(body.error ?? res.statusText), res.status);
  return body as T;
}

export async function consolePost<T>(path: string, input: object): Promise<T> {
  const res = await fetch(`/console/api/${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(input),
  });
  const body = await res.json().catch(() => ({ error: res.statusText }));
  if (res.status === 401) signInNeeded();
  if (!res.ok) throw new ApiError(String(res.status), String(body.error ?? res.statusText), res.status);
  return body as T;
}

// Shapes of the console API (README "The console's API").

export type ExecStatus = "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED" | "PENDING_REDRIVE";
export const statuses: ExecStatus[] = ["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE"];

export interface ExecutionRow {
  executionArn: string;
  stateMachineArn: string;
  stateMachineVersionArn?: string;
  stateMachineAliasArn?: string;
  name: string;
  status: ExecStatus;
  startDate: number;
  stopDate?: number;
  redriveCount: number;
  error?: string;
  cause?: string;
}

export interface ExecutionPage {
  executions: ExecutionRow[];
  nextToken?: string;
}

export interface Overview {
  since: number;
  stateMachines: Record<string, Partial<Record<ExecStatus, number>>>;
}

export interface HistoryPage {
  events: HistoryEvent[];
  status: ExecStatus;
  lastEventId: number;
}

export interface ActivityRow {
  activityArn: string;
  name: string;
  creationDate: number;
  waiting: number;
  inFlight: number;
  lastPoll: number | null;
}

export interface StreamMessage {
  executionArn: string;
  stateMachineArn: string;
  status: ExecStatus;
  lastEventId: number;
}

/** watch opens the live stream (of one execution, or of every start and
 * finish) and calls back per message until the returned function is
 * called. The browser reconnects by itself; onOpen runs on each
 * (re)connection, and when the server says messages were lost (resync),
 * so a page can catch up on what it missed. */
export function watch(executionArn: string | null, onMessage: (m: StreamMessage) => void, onOpen?: () => void): () => void {
  const src = new EventSource(`/console/api/stream${query({ executionArn })}`);
  src.addEventListener("execution", (ev) => {
    try {
      onMessage(JSON.parse((ev as MessageEvent).data));
    } catch {
      // a message we cannot read: the next one will do
    }
  });
  if (onOpen) {
    src.addEventListener("open", onOpen);
    src.addEventListener("resync", onOpen);
  }
  return () => src.close();
}
