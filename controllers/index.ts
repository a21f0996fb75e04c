/**
 * @module Kind controllers: the shared interface, the hooks, the registry.
 */
export type {
  AgentRegistryHook,
  CommittedChange,
  ControllerHooks,
  DeclarativeRef,
  EffectContext,
  EngineHook,
  KindController,
  SchedulerHook,
  TriggerRef,
  ValidationContext,
} from "./types.js";
export { BUILTIN_CONTROLLERS, controllerFor } from "./registry.js";
export { enqueueUnobserved, observedGeneration } from "./declarative.js";
