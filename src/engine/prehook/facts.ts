/**
 * @module What has happened to one item in the current cycle: which steps
 * ran or were skipped, their exit codes, the flags captures set, ticket
 * counts and agent scores. Prehook and finalize variables are read from it.
 * Pure reducers: each returns a new value.
 */
import type { CaptureOutcome } from "../captures/captures.js";
import type { AgentOutput } from "../output/agent-output.js";
import type { PlannedStep } from "../plan/types.js";

export interface ItemFacts {
  itemStatus: string;
  /** Exit code of each step that ran, by step id. */
  exitCodes: Readonly<Record<string, number>>;
  ran: Readonly<Record<string, boolean>>;
  skipped: Readonly<Record<string, boolean>>;
  /** Flags set by `failed_flag` / `success_flag` captures (`qa_failed`, `fix_success`, ...). */
  flags: Readonly<Record<string, boolean>>;
  activeTicketCount: number;
  newTicketCount: number;
  retestNewTicketCount: number;
  buildErrors: number;
  testFailures: number;
  qaConfidence: number | null;
  qaQualityScore: number | null;
  fixConfidence: number | null;
  fixQualityScore: number | null;
  /** Artifacts agents reported, by kind (`ticket`, `code_change`, ...). */
  artifactKinds: readonly string[];
}

export function emptyItemFacts(itemStatus = "pending"): ItemFacts {
  return {
    itemStatus,
    exitCodes: {},
    ran: {},
    skipped: {},
    flags: {},
    activeTicketCount: 0,
    newTicketCount: 0,
    retestNewTicketCount: 0,
    buildErrors: 0,
    testFailures: 0,
    qaConfidence: null,
    qaQualityScore: null,
    fixConfidence: null,
    fixQualityScore: null,
    artifactKinds: [],
  };
}

/** Which steps of the plan play the QA, fix and retest parts the built-in variables talk about. */
export interface StepRoles {
  qa: readonly string[];
  fix: readonly string[];
  retest: readonly string[];
}

const ROLE_NAMES: Readonly<Record<keyof StepRoles, readonly string[]>> = {
  qa: ["qa", "qa_testing"],
  fix: ["fix", "ticket_fix"],
  retest: ["retest"],
};

/**
 * A step plays a role when its id, type or capability is one of the role's
 * names (`qa`/`qa_testing`, `fix`/`ticket_fix`, `retest`). The canonical ids
 * come first, so `qa_exit_code` prefers a step called `qa`.
 */
export function stepRolesOf(steps: readonly PlannedStep[]): StepRoles {
  const roleOf = (names: readonly string[]): string[] => {
    const ids = [...names];
    for (const s of steps) {
      if (ids.includes(s.id)) continue;
      if (names.includes(s.type) || (s.capability !== undefined && names.includes(s.capability))) ids.push(s.id);
    }
    return ids;
  };
  return { qa: roleOf(ROLE_NAMES.qa), fix: roleOf(ROLE_NAMES.fix), retest: roleOf(ROLE_NAMES.retest) };
}

export interface StepRun {
  exitCode: number;
  captures?: CaptureOutcome;
  output?: AgentOutput;
}

/** Records a step that ran: its exit code, capture flags and, for QA/fix steps, the agent's scores. */
export function recordStepRun(facts: ItemFacts, stepId: string, roles: StepRoles, run: StepRun): ItemFacts {
  const next: ItemFacts = {
    ...facts,
    exitCodes: { ...facts.exitCodes, [stepId]: run.exitCode },
    ran: { ...facts.ran, [stepId]: true },
    flags: { ...facts.flags, ...run.captures?.flags },
  };
  const out = run.output;
  if (out) {
    if (roles.qa.includes(stepId)) {
      next.qaConfidence = out.confidence ?? null;
      next.qaQualityScore = out.qualityScore ?? null;
    } else if (roles.fix.includes(stepId)) {
      next.fixConfidence = out.confidence ?? null;
      next.fixQualityScore = out.qualityScore ?? null;
    }
    const kinds = out.artifacts.map((a) => a["kind"]).filter((k): k is string => typeof k === "string");
    next.artifactKinds = [...facts.artifactKinds, ...kinds];
  }
  return next;
}

/** Records a step its prehook skipped. */
export function recordStepSkipped(facts: ItemFacts, stepId: string): ItemFacts {
  return { ...facts, skipped: { ...facts.skipped, [stepId]: true } };
}
