/**
 * @module Engine-facing shapes of the Workflow manifest (`spec` after
 * defaults) and of the execution plan built from it. Field names of the
 * `*Spec` types are the manifest's own (snake_case); plan types are camelCase.
 */
import type { JsonObject, JsonValue } from "../../resources/types.js";

export type StepScope = "task" | "item";

/** How a step runs: an engine builtin, an agent, a direct shell command, or a chain of child steps. */
export type StepMode = "builtin" | "agent" | "command" | "chain";

export type LoopMode = "once" | "fixed" | "infinite";

export type CaptureSource = "stdout" | "stderr" | "exit_code" | "failed_flag" | "success_flag";

/** A CEL gate: `when` (or the older `expression`) must evaluate to a bool. */
export interface PrehookSpec {
  engine?: string;
  when?: string;
  /** Older spelling of `when`, found in upstream fixtures. */
  expression?: string;
  reason?: string;
}

export interface CaptureSpec {
  var: string;
  source: CaptureSource;
  json_path?: string;
}

export interface OnFailureSpec {
  action: "continue" | "set_status" | "early_return";
  status?: string;
}

export interface OnSuccessSpec {
  action: "continue" | "set_status";
  status?: string;
}

/** `create_ticket`, `scan_tickets`, `store_put`, `spawn_task`, `generate_items`, ... with their own fields. */
export interface PostActionSpec {
  type: string;
  [field: string]: JsonValue | undefined;
}

export interface StepBehaviorSpec {
  on_failure?: OnFailureSpec;
  on_success?: OnSuccessSpec;
  captures?: CaptureSpec[];
  post_actions?: PostActionSpec[];
  collect_artifacts?: boolean;
}

export interface StoreInputSpec {
  store: string;
  key: string;
  as_var: string;
  required?: boolean;
}

export interface StoreOutputSpec {
  store: string;
  key: string;
  from_var: string;
}

export interface StepSpec {
  id: string;
  /** Defaults to `id`; known types drive scope and capability inference. */
  type?: string;
  description?: string;
  scope?: StepScope;
  enabled?: boolean;
  repeatable?: boolean;
  is_guard?: boolean;
  required_capability?: string;
  template?: string;
  builtin?: string;
  command?: string;
  chain_steps?: StepSpec[];
  execution_profile?: string;
  tty?: boolean;
  max_parallel?: number;
  timeout_secs?: number;
  /** Stop the step after this many seconds without output (over `safety.stall_timeout_secs`). */
  stall_timeout_secs?: number;
  /** Bytes of output a run's log keeps (head and tail); 0: no cap. */
  log_max_bytes?: number;
  cost_preference?: "performance" | "quality" | "balance";
  prehook?: PrehookSpec;
  behavior?: StepBehaviorSpec;
  store_inputs?: StoreInputSpec[];
  store_outputs?: StoreOutputSpec[];
  /** Pipeline variables set for this step only. */
  step_vars?: Record<string, string>;
  stagger_delay_ms?: number;
  item_select_config?: JsonObject;
}

export interface ConvergenceSpec {
  engine?: string;
  when: string;
  reason?: string;
}

export interface LoopGuardSpec {
  enabled?: boolean;
  stop_when_no_unresolved?: boolean;
  max_cycles?: number;
}

export interface LoopSpec {
  mode?: LoopMode;
  max_cycles?: number;
  enabled?: boolean;
  stop_when_no_unresolved?: boolean;
  convergence_expr?: ConvergenceSpec[];
  /** Nested spelling of `enabled`/`stop_when_no_unresolved`/`max_cycles`. */
  guard?: LoopGuardSpec;
}

export interface FinalizeRuleSpec {
  id: string;
  engine?: string;
  when: string;
  status: string;
  reason?: string;
}

export interface WorkflowSpec {
  steps: StepSpec[];
  loop?: LoopSpec;
  finalize?: { rules?: FinalizeRuleSpec[] };
  safety?: JsonObject;
  max_parallel?: number;
  /** An item-scoped workflow whose workspace yields no items completes instead of failing with NoItems. */
  allow_no_items?: boolean;
  /** Each item's steps in a git worktree of its own. */
  item_isolation?: JsonObject;
  /** Adaptive planning: an agent plans each cycle's steps. */
  adaptive?: JsonObject;
}

/** A step as the engine runs it: mode, scope and gates resolved. */
export interface PlannedStep {
  id: string;
  type: string;
  /** Position in the workflow's `steps` (stable across `--step` filtering). */
  index: number;
  scope: StepScope;
  mode: StepMode;
  /** Builtin name, for mode `builtin`. */
  builtin?: string;
  /** Capability an agent must declare, for mode `agent`. */
  capability?: string;
  /** Shell command, for mode `command`. */
  command?: string;
  template?: string;
  /** Child steps, for mode `chain`, run in order. */
  chain: PlannedStep[];
  /** For a child of a chain step: the id of that step. */
  parent?: string;
  repeatable: boolean;
  isGuard: boolean;
  prehook?: { when: string; reason?: string };
  captures: CaptureSpec[];
  maxParallel?: number;
  timeoutSecs?: number;
  /** An agent step that must run on this agent (the adaptive planner). */
  agent?: string;
  /** The prompt of a step the engine makes itself (the adaptive planner), instead of a template's. */
  prompt?: string;
  /** The step as written (after defaults), for fields the plan does not lift. */
  spec: StepSpec;
}

export interface LoopPolicy {
  mode: LoopMode;
  /** `null` when unbounded (`infinite` without `max_cycles`). */
  maxCycles: number | null;
  stopWhenNoUnresolved: boolean;
  /** False turns the builtin `loop_guard` off: an infinite loop then runs to `max_cycles`. */
  guardEnabled: boolean;
  convergence: Array<{ when: string; reason?: string }>;
}

export interface ExecutionPlan {
  /** Steps to run, in workflow order, after the enabled and `--step` filters. */
  steps: PlannedStep[];
  loop: LoopPolicy;
  /** The workflow's own finalize rules, or undefined to use the defaults. */
  finalizeRules?: FinalizeRuleSpec[];
  /** Default parallelism of item segments. */
  maxParallel: number;
}

/** Contiguous steps of one scope; guard steps are never in a segment. */
export interface Segment {
  scope: StepScope;
  steps: PlannedStep[];
  /** Items run at once in an item segment; 1 for task segments. */
  maxParallel: number;
}
