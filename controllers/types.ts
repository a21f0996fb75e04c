/**
 * @module The shared interface of kind controllers, and the hooks through
 * which a committed change sets work in motion (the engine, the trigger
 * scheduler, the agent registry). As in controller-runtime, a controller is
 * small: the pipeline loads, validates, diffs and commits; a controller only
 * says what its kind adds.
 */
import type { Diagnostic } from "../src/resources/diagnostics.js";
import type { ParsedDocument, Resource, ResourceKey } from "../src/resources/types.js";
import type { Store, StoredResource } from "../src/store/store.js";

/** A declarative Task or Run at one generation: what the engine executes. */
export interface DeclarativeRef {
  project: string;
  kind: "Task" | "Run";
  name: string;
  generation: number;
}

/**
 * Wired by the engine. The pipeline calls `enqueueDeclarative` after every
 * pass for each Task and Run (of the applier) whose `status.observedGeneration`
 * is below its generation, so the call must be idempotent per
 * (project, kind, name, generation): a Task runs once per generation.
 */
export interface EngineHook {
  enqueueDeclarative(ref: DeclarativeRef): void | Promise<void>;
}

/** A Trigger that changed: `resource` is null when it was deleted or pruned. */
export interface TriggerRef {
  project: string;
  name: string;
  resource: StoredResource | null;
}

/** Wired by the controller process: re-plans the trigger's schedule or event subscription. */
export interface SchedulerHook {
  reschedule(trigger: TriggerRef): void | Promise<void>;
}

/** Wired by the controller process: agents (or the stores their env reads) of a project changed. */
export interface AgentRegistryHook {
  refresh(scope: { project: string }): void | Promise<void>;
}

/** Every hook is optional: without one, the change is committed and nothing more happens. */
export interface ControllerHooks {
  engine?: EngineHook;
  scheduler?: SchedulerHook;
  agents?: AgentRegistryHook;
}

/** What extra validation may look up: a resource in the desired set or, failing that, the store. */
export interface ValidationContext {
  exists(kind: string, project: string, name: string): boolean;
}

/** One change a pass committed (or found already in place). */
export interface CommittedChange {
  verb: "created" | "configured" | "unchanged" | "pruned";
  key: ResourceKey;
  /** Generation after the commit; null when pruned. */
  generation: number | null;
  /** True when the spec changed (a new generation). */
  specChanged: boolean;
}

export interface EffectContext {
  store: Store;
  hooks: ControllerHooks;
  /** Who applied the pass: `cli` or `source:<name>`. */
  appliedBy: string;
}

export interface KindController {
  readonly kind: string;
  /** Checks beyond the kind's JSON Schema, for one document of this kind. */
  validate?(doc: ParsedDocument, ctx: ValidationContext): Diagnostic[];
  /**
   * The form compared to decide `unchanged` and shown by `diff`: fields
   * whose spelling does not change meaning are made equal. Never stored.
   */
  normalize?(resource: Resource): Resource;
  /**
   * Runs after every pass that reached the commit phase, with this kind's
   * changes (possibly none: level-triggered controllers look at the stored
   * state, not only at what changed). Throwing marks the pass AfterCommitFailed.
   */
  afterCommit?(changes: readonly CommittedChange[], ctx: EffectContext): Promise<void>;
}
