/**
 * @module The JSON API the page reads (`/api/v1`), with the shapes the
 * server sends: those of the CLI's `-o json` output (see docs/web.md), so
 * every list is a kubectl-style `kind: List` with `items`.
 */

/** `{apiVersion, kind: "List", items}`, as every `-o json` of several things. */
export interface List<T> {
  apiVersion: string;
  kind: "List";
  items: T[];
}

export type Phase = "Pending" | "Running" | "Paused" | "Completed" | "Failed" | "Cancelled";

/** A task as `task list -o json` shows each item (`kind: TaskRecord`; `task info`'s `task` carries no kind). */
export interface Task {
  kind?: "TaskRecord";
  id: string;
  name: string;
  project: string;
  origin: string;
  resource: { kind: string; name: string; generation: number | null } | null;
  workflow: string | null;
  workspace: string | null;
  goal: string;
  spec: { steps: string[]; vars: Record<string, string>; targetFiles: string[]; template?: string };
  phase: Phase;
  queued: boolean;
  claimedBy: string | null;
  cycle: number;
  exitCode: number | null;
  message: string | null;
  reason: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  updatedAt: string;
}

export interface Progress {
  items: Record<string, number>;
  runs: Record<string, number>;
}

export interface TaskPage extends List<Task> {
  progress: Record<string, Progress>;
  total: number;
  offset: number;
  limit: number;
}

export interface Item {
  id: string;
  path: string;
  status: string;
  failures: number;
  createdAt: string;
  updatedAt: string;
}

export interface Run {
  id: string;
  step: string;
  parentStep: string | null;
  cycle: number;
  itemId: string | null;
  item: string | null;
  agent: string | null;
  command: string | null;
  status: string;
  exitCode: number | null;
  reason: string | null;
  durationMs: number | null;
  startedAt: string;
  finishedAt: string | null;
}

export interface TaskInfo {
  kind: "TaskInfo";
  task: Task;
  items: Item[];
  steps: unknown[];
  runs: Run[];
}

/** An event as `event list -o json` shows it: the resource it is about as `involvedObject`. */
export interface StoredEvent {
  kind: "Event";
  id: number;
  ts: string;
  type: string;
  involvedObject: { kind: string | null; project: string | null; name: string | null } | null;
  message: string;
  actor: string | null;
  taskId: string | null;
  runId: string | null;
}

export interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
  lastTransitionTime: string;
}

export interface Resource {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    project?: string;
    description?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    generation: number;
    createdAt: string;
    updatedAt: string;
    appliedBy: string;
  };
  spec: Record<string, unknown>;
  status?: Record<string, unknown>;
}

export type ResourceList = List<Resource>;

export interface ResourceDetail {
  resource: Resource;
  origin: { appliedBy: string; source: string | null; file: string | null; line: number | null; commit: string | null };
  events: StoredEvent[];
  yaml: string;
}

export interface KindInfo {
  kind: string;
  plural: string;
  shortNames: string[];
  projectScoped: boolean;
  custom: boolean;
  count: number;
}

/** A source as `source list -o json` shows it: its Source resource (the spec as declared, defaults left out), its status and inventory size. */
export interface Source extends Resource {
  kind: "Source";
  spec: {
    dir?: string;
    url?: string;
    ref?: string;
    path?: string;
    interval?: string;
    project?: string;
    prune?: boolean;
    suspend?: boolean;
  };
  status: {
    lastAppliedRevision?: string | null;
    lastAttemptedRevision?: string | null;
    lastAppliedAt?: string | null;
    lastAttemptedAt?: string | null;
    conditions?: Condition[];
    errors?: string[];
    failures?: number;
    inventory: number;
  };
  /** `GET /sources/NAME` only: what its inventory holds. */
  resources?: Array<{ project: string; kind: string; name: string; adopted: boolean }>;
}

export interface AgentHealth {
  state: "healthy" | "failing" | "diseased" | "cordoned" | "disabled" | "new" | "idle";
  load: number;
  totalRuns: number;
  successfulRuns: number;
  successRate: number | null;
  avgDurationMs: number | null;
  consecutiveFailures: number;
  diseasedUntil: string | null;
  lastRunAt: string | null;
}

export interface ControllerStatus {
  kind: "ControllerStatus";
  running: boolean;
  pid: number | null;
  hostname: string | null;
  since: string | null;
  queuedTasks: number;
  runningTasks: number;
  webView: string | null;
  webhooks: string | null;
}

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function answer<T>(res: Response): Promise<T> {
  if (res.status === 401) {
    // The session ended (or never began): the login page brings the person back here.
    location.assign(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
    throw new ApiFailure(401, "logged out");
  }
  const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
  if (!res.ok) throw new ApiFailure(res.status, body?.error?.message ?? `${res.status} ${res.statusText}`);
  return body as T;
}

export const BASE = "/api/v1";

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  return answer<T>(await fetch(`${BASE}${path}`, { headers: { Accept: "application/json" }, credentials: "same-origin", ...(signal ? { signal } : {}) }));
}

/** An action: its answer's `message` is what the CLI would have printed. `null` sends no body (a trigger fired without a payload). */
export async function postJson<T>(path: string, body: Record<string, unknown> | null = {}): Promise<T> {
  return answer<T>(await fetch(`${BASE}${path}`, { method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" }, credentials: "same-origin", ...(body === null ? {} : { body: JSON.stringify(body) }) }));
}

/** `?a=1&b=2` from the defined values, or "". */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}
