/**
 * @module The hooks `orchestrator watch` uses when no controller runs, so
 * Tasks and Runs in the watched files start inside `watch` itself. The
 * engine registers its in-process runner here; until one is registered,
 * `watch` commits Tasks and Runs and leaves them Pending.
 */
import type { Home } from "../src/store/home.js";
import type { Store } from "../src/store/store.js";
import type { ControllerHooks } from "./types.js";

export interface InProcessContext {
  home: Home;
  store: Store;
}

/** Builds the hooks for one `watch` process; `close` runs when watch exits. */
export type InProcessHooksFactory = (ctx: InProcessContext) => Promise<InProcessHooks> | InProcessHooks;

export interface InProcessHooks extends ControllerHooks {
  close?(): Promise<void> | void;
}

let factory: InProcessHooksFactory | undefined;

/** Called by the engine (at import time of its module) to run Tasks and Runs inside `watch`. */
export function provideInProcessHooks(f: InProcessHooksFactory): void {
  factory = f;
}

/** The registered hooks, or none. */
export async function inProcessHooks(ctx: InProcessContext): Promise<InProcessHooks> {
  return factory ? await factory(ctx) : {};
}
