/**
 * @module `orchestrator agent list|cordon|uncordon|drain`: agents' scheduling
 * state and health, as `kubectl get nodes`, `cordon`, `uncordon` and `drain`
 * treat nodes. A cordoned, draining or drained agent is given no new step;
 * the steps it runs go on (`drain` waits for them, and ends them after
 * `--timeout`). The state is kept in the store: it survives a restart of
 * the controller, and `uncordon` is the only way back.
 */
import { hostname } from "node:os";
import { candidateFromAgent } from "../../engine/selection/candidates.js";
import { historyFromStats } from "../../engine/selection/history.js";
import { terminateProcessGroup } from "../../engine/process/process-group.js";
import { parseInterval, SourceSpecError } from "../../reconcile/sources/spec.js";
import { applyDefaults } from "../../resources/defaults.js";
import { DEFAULT_PROJECT, type JsonObject } from "../../resources/types.js";
import { claimerAlive } from "../../runtime/recovery.js";
import { controllerStoreOf } from "../../store/controller-store.js";
import type { Store, StoredResource } from "../../store/store.js";
import { openTaskStore, type AgentState, type RunRecord, type TaskStore } from "../../store/task-store.js";
import { cliUser } from "../actor.js";
import { withStore } from "../context.js";
import { CliError, UsageError } from "../errors.js";
import type { OutputFormat } from "../output/format.js";
import { writeErr, writeOut } from "../output/io.js";
import { printList, type Listing } from "../output/printer.js";

export interface AgentListOptions {
  output?: OutputFormat;
  headers?: boolean;
  sortBy?: string;
  project?: string;
  allProjects?: boolean;
}

/** What `agent list -o json` shows of one agent (a `kind: AgentStatus` item of a List): a stable shape. */
interface AgentRow {
  name: string;
  project: string;
  state: AgentState;
  /** false: the manifest says `enabled: false`, and selection passes the agent over whatever its state. */
  enabled: boolean;
  /** When the state was set and by whom (absent while active). */
  since: string | null;
  by: string | null;
  capabilities: string[];
  health: {
    /** Judged runs (succeeded, failed, timed out) and the share that succeeded, 0..1; null before the first. */
    runs: number;
    successRate: number | null;
    consecutiveFailures: number;
    /** Steps it runs now. */
    currentLoad: number;
    lastError: { status: string; exitCode: number | null; reason: string | null; at: string } | null;
    /** Kept off new work after repeated infrastructure failures (spec.health_policy) until then. */
    diseasedUntil: string | null;
  };
}

/** How `agent list` shows agents; `allProjects` puts PROJECT first, `-o wide` adds capabilities and who set the state when. */
export function agentListing(allProjects: boolean): Listing<AgentRow> {
  const lastError = (r: AgentRow, n: number): string =>
    r.health.lastError ? truncate(`${r.health.lastError.reason ?? r.health.lastError.status}${r.health.lastError.exitCode !== null ? ` (exit ${r.health.lastError.exitCode})` : ""}`, n) : "<none>";
  return {
    kind: "AgentStatus",
    nameKind: "agent",
    view: (r) => r as unknown as JsonObject,
    name: (r) => r.name,
    id: (r) => `${r.project}/${r.name}`,
    columns: [
      ...(allProjects ? [{ header: "PROJECT", value: (r: AgentRow) => r.project }] : []),
      { header: "NAME", value: (r) => r.name },
      { header: "STATE", value: (r) => stateText(r) },
      { header: "SUCCESS RATE", value: (r) => (r.health.successRate === null ? "-" : `${Math.round(r.health.successRate * 100)}% of ${r.health.runs}`) },
      { header: "CONSECUTIVE FAILURES", value: (r) => String(r.health.consecutiveFailures) },
      { header: "LOAD", value: (r) => String(r.health.currentLoad) },
      { header: "LAST ERROR", value: (r) => lastError(r, 50) },
      { header: "CAPABILITIES", value: (r) => r.capabilities.join(","), wide: true },
      { header: "SINCE", value: (r) => r.since ?? "", wide: true },
      { header: "BY", value: (r) => r.by ?? "", wide: true },
    ],
  };
}

export async function agentListCommand(opts: AgentListOptions): Promise<void> {
  await withStore(async ({ store }) => {
    const rows = agentRows(store, opts.allProjects ? undefined : (opts.project ?? DEFAULT_PROJECT));
    printList(agentListing(opts.allProjects === true), rows, opts, { empty: `No agents found${opts.allProjects ? "" : ` in project '${opts.project ?? DEFAULT_PROJECT}'`}.` });
  });
}

/** `disabled` wins: whatever its state, a disabled agent gets no step. */
function stateText(r: AgentRow): string {
  const state = r.enabled ? r.state : r.state === "active" ? "disabled" : `disabled, ${r.state}`;
  return r.health.diseasedUntil ? `${state} (diseased until ${r.health.diseasedUntil})` : state;
}

const truncate = (s: string, n: number): string => {
  const one = s.replace(/\s+/g, " ").trim();
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
};

function agentRows(store: Store, project: string | undefined): AgentRow[] {
  const tasks = openTaskStore(store);
  const agents = project === undefined ? store.listResources({ kind: "Agent", allProjects: true }) : store.listResources({ kind: "Agent", project });
  const states = new Map(tasks.listAgentStates().map((s) => [`${s.project}\u0000${s.name}`, s]));
  const stats = new Map(tasks.agentStats().map((s) => [s.agent, s]));
  const errors = new Map(tasks.agentLastErrors().map((e) => [e.agent, e]));
  return agents.map((a) => {
    const name = a.metadata.name;
    const state = states.get(`${a.metadata.project}\u0000${name}`) ?? (a.spec["cordoned"] === true ? { state: "cordoned" as const, since: null, by: "manifest (spec.cordoned)" } : undefined);
    const candidate = candidateFromAgent(applyDefaults(a));
    const s = stats.get(name);
    const history = historyFromStats(s, candidate.healthPolicy);
    const err = errors.get(name);
    const diseased = history?.diseasedUntil && Date.parse(history.diseasedUntil) > Date.now() ? history.diseasedUntil : null;
    return {
      name,
      project: a.metadata.project,
      state: state?.state ?? "active",
      enabled: candidate.enabled !== false,
      since: state?.since ?? null,
      by: state?.by ?? null,
      capabilities: [...candidate.capabilities],
      health: {
        runs: s?.totalRuns ?? 0,
        successRate: s && s.totalRuns > 0 ? s.successfulRuns / s.totalRuns : null,
        consecutiveFailures: history?.consecutiveErrors ?? 0,
        currentLoad: s?.running ?? 0,
        lastError: err ? { status: err.status, exitCode: err.exitCode, reason: err.reason, at: err.finishedAt } : null,
        diseasedUntil: diseased,
      },
    };
  });
}

function storedAgent(store: Store, name: string, project: string): StoredResource {
  const r = store.getResource({ project, kind: "Agent", name });
  if (!r) {
    const known = store.listResources({ project, kind: "Agent" }).map((a) => a.metadata.name);
    throw new CliError(`agent/${name} not found in project '${project}'${known.length ? `; agents there: ${known.join(", ")}` : ""}`);
  }
  return r;
}

export async function agentCordonCommand(name: string, opts: { project?: string }): Promise<void> {
  await withStore(({ store }) => {
    const project = opts.project ?? DEFAULT_PROJECT;
    const r = storedAgent(store, name, project);
    const tasks = openTaskStore(store);
    const current = tasks.listAgentStates().find((s) => s.project === project && s.name === name)?.state ?? (r.spec["cordoned"] === true ? "cordoned" : "active");
    if (current !== "active") {
      writeOut(`agent/${name} is already ${current}\n`);
      return;
    }
    tasks.setAgentState({ project, name }, "cordoned", cliUser());
    writeOut(`agent/${name} cordoned\n`);
  });
}

export async function agentUncordonCommand(name: string, opts: { project?: string }): Promise<void> {
  await withStore(({ store }) => {
    const project = opts.project ?? DEFAULT_PROJECT;
    const r = storedAgent(store, name, project);
    if (r.spec["cordoned"] === true) throw new CliError(`agent/${name} is cordoned by its manifest (spec.cordoned: true); remove it from the manifest and apply it to uncordon the agent`);
    const before = openTaskStore(store).setAgentState({ project, name }, "active", cliUser());
    writeOut(before === "active" ? `agent/${name} was not cordoned\n` : `agent/${name} uncordoned\n`);
  });
}

export interface AgentDrainOptions {
  project?: string;
  timeout?: string;
}

/** How often drain looks at the agent's running steps. */
const DRAIN_POLL_MS = 200;
/** SIGTERM to SIGKILL grace for a step ended by the timeout. */
const KILL_GRACE_MS = 3000;
/** How long the runner gets to record a step ended by the timeout. */
const RECORD_WAIT_MS = 15_000;

export async function agentDrainCommand(name: string, opts: AgentDrainOptions): Promise<void> {
  const timeoutMs = opts.timeout === undefined ? undefined : parseTimeout(opts.timeout);
  await withStore(async ({ store }) => {
    const project = opts.project ?? DEFAULT_PROJECT;
    storedAgent(store, name, project);
    const tasks = openTaskStore(store);
    const by = cliUser();
    tasks.setAgentState({ project, name }, "draining", by);
    let running = runningSteps(store, tasks, project, name);
    writeErr(`agent/${name} cordoned and draining: ${running.length ? `waiting for ${running.length} running step(s) (${running.map(describeRun).join(", ")})${timeoutMs !== undefined ? `, at most ${opts.timeout}` : ""}` : "no step running"}\n`);
    const deadline = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
    while (running.length > 0 && Date.now() < deadline) {
      await sleep(Math.min(DRAIN_POLL_MS, Math.max(0, deadline - Date.now())));
      running = runningSteps(store, tasks, project, name);
    }
    const ended: string[] = [];
    const elsewhere: Array<RunRecord & { claimedBy: string | null }> = [];
    if (running.length > 0) {
      writeErr(`timeout: ending ${running.length} step(s) of agent/${name}: ${running.map(describeRun).join(", ")}\n`);
      for (const run of running) {
        // A process group id means something only on the host that started it: a step on another host is left to run.
        if (!onThisHost(run)) {
          elsewhere.push(run);
          continue;
        }
        if (run.pgid) await terminateProcessGroup(run.pgid, { graceMs: KILL_GRACE_MS });
        ended.push(run.id);
      }
      if (elsewhere.length) writeErr(`warning: ${elsewhere.length} step(s) run on other hosts and were not ended: ${elsewhere.map((r) => `${describeRun(r)} on ${hostOf(r)}`).join(", ")}; the agent gets no new step meanwhile\n`);
      const recordBy = Date.now() + RECORD_WAIT_MS;
      while (runningSteps(store, tasks, project, name).some((r) => ended.includes(r.id)) && Date.now() < recordBy) await sleep(DRAIN_POLL_MS);
    }
    tasks.setAgentState({ project, name }, "drained", by);
    writeOut(`agent/${name} drained${ended.length ? ` (${ended.length} step(s) ended after the timeout)` : ""}; \`orchestrator agent uncordon ${name}\` makes it schedulable again\n`);
  });
}

/**
 * Steps the agent runs now, in its project (a default-project agent serves projects without agents of their own), whose runner is alive:
 * on this host a live process; on a shared store, on another host, a controller whose lease is live.
 */
function runningSteps(store: Store, tasks: TaskStore, project: string, agent: string): Array<RunRecord & { claimedBy: string | null }> {
  const registry = controllerStoreOf(store);
  const live = registry.shared ? registry.listControllers() : [];
  const alive = (claimedBy: string | null): boolean =>
    claimedBy !== null && (claimerAlive(claimedBy) || (hostOfClaim(claimedBy) !== hostname() && live.some((c) => claimedBy.startsWith(`${c.id}:`))));
  return tasks.runningRunsOfAgent(agent).filter((r) => (r.project === project || project === DEFAULT_PROJECT) && alive(r.claimedBy));
}

function hostOfClaim(claimedBy: string): string {
  return claimedBy.split(":")[0]!;
}

function hostOf(r: { claimedBy: string | null }): string {
  return r.claimedBy === null ? "an unknown host" : hostOfClaim(r.claimedBy);
}

function onThisHost(r: { claimedBy: string | null }): boolean {
  return r.claimedBy !== null && hostOfClaim(r.claimedBy) === hostname();
}

function describeRun(r: RunRecord): string {
  return `step ${r.stepId} of task ${r.taskId}`;
}

function parseTimeout(text: string): number {
  try {
    return parseInterval(text);
  } catch (err) {
    if (err instanceof SourceSpecError) throw new UsageError(`--timeout: ${err.message.replace(/interval/g, "duration")}`);
    throw err;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
