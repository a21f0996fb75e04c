/**
 * @module Which engine builtins (`builtin:` of a Workflow step) the engine
 * runs, kept free of heavy imports so validation can tell a person at apply
 * time that a builtin their workflow names will not do what upstream's does.
 */

/** Builtins the engine runs with upstream's meaning. */
export const IMPLEMENTED_BUILTINS: readonly string[] = ["init_once", "loop_guard", "ticket_scan", "item_select", "self_test", "self_restart"];

/**
 * Builtins a workflow may name that the engine does not run as upstream
 * does, with what happens instead (for a warning at apply time).
 */
export const UNIMPLEMENTED_BUILTINS: Readonly<Record<string, string>> = {};

export function isImplementedBuiltin(name: string): boolean {
  return IMPLEMENTED_BUILTINS.includes(name);
}
