/**
 * @module `orchestrator reconcile [SOURCE]`: a pass now, as `flux
 * reconcile` asks for one. With a running controller the request goes to
 * it (its caches, its engine) and the command waits for the result;
 * without one the pass runs here, as `sync` runs it. An unknown source is
 * reported first, controller or not; naming a suspended source is an error,
 * as Flux makes it.
 */
import type { PassResult } from "../../reconcile/pass-result.js";
import { reconcileSources, UnknownSourceError } from "../../reconcile/reconcile-sources.js";
import { requestAndWait } from "../../reconcile/requests.js";
import { queueingHooks } from "../../runtime/engine-hook.js";
import { readControllerLock } from "../../runtime/lock.js";
import type { Home } from "../../store/home.js";
import { sourceStoreOf } from "../../store/source-store.js";
import type { Store } from "../../store/store.js";
import { withStore } from "../context.js";
import { durationFlag } from "../duration-flag.js";
import { CliError } from "../errors.js";
import { writeErr } from "../output/io.js";
import { passesFailed, printPasses } from "../output/pass-result.js";
import type { OutputFormat } from "../output/format.js";

export interface ReconcileOptions {
  timeout?: string;
  output?: OutputFormat | "text" | "json";
  /** `--no-daemon`: without a controller, queue committed Tasks and Runs without starting one. */
  daemon?: boolean;
}

/**
 * Asks the running controller for a pass over one source (or every source)
 * and waits for its results; a CliError when the source is unknown, no
 * controller runs, or the pass did not finish in time.
 */
export async function reconcileNow(store: Store, home: Home, source: string | undefined, timeout: { ms: number; text: string }): Promise<PassResult[]> {
  checkSource(store, source);
  const lock = readControllerLock(home.dir);
  if (!lock?.alive) {
    throw new CliError(`no controller is running for ${home.root}; run \`orchestrator sync${source ? ` ${source}` : ""}\` to reconcile now`);
  }
  const answer = await requestAndWait(store, { source: source ?? null, timeoutMs: timeout.ms });
  if (answer.status === "timeout") {
    throw new CliError(`the controller (pid ${lock.pid}) did not finish the pass within ${timeout.text}; see \`orchestrator source status\``);
  }
  if (answer.status === "error") throw new CliError(`the controller could not reconcile: ${answer.message}`);
  return answer.results;
}

function checkSource(store: Store, source: string | undefined): void {
  if (source !== undefined && !sourceStoreOf(store).getSource(source)) {
    throw new CliError(new UnknownSourceError([source], sourceStoreOf(store).listSources().map((s) => s.name)).message);
  }
}

export async function reconcileCommand(source: string | undefined, opts: ReconcileOptions): Promise<void> {
  const text = opts.timeout ?? "60s";
  const ms = durationFlag("--timeout", text, { bareUnit: "s" });
  await withStore(async ({ store, home }) => {
    checkSource(store, source);
    let results: PassResult[];
    if (readControllerLock(home.dir)?.alive) results = await reconcileNow(store, home, source, { ms, text });
    else {
      // Nobody to ask: the pass runs here, and Tasks and Runs it commits are queued as sync queues them.
      writeErr("no controller is running: reconciling here\n");
      const engine = queueingHooks(store, home);
      results = await reconcileSources({ home, store, ...(source ? { sources: [source] } : {}), hooks: engine.hooks });
      for (const line of await engine.settle({ noDaemon: opts.daemon === false })) writeErr(`${line}\n`);
    }
    printPasses(results, opts.output);
    const named = source !== undefined && results.some((r) => r.suspended);
    if (named) throw new CliError(`source ${source} is suspended; \`orchestrator source resume ${source}\` resumes it`);
    const types = new Map(sourceStoreOf(store).listSources().map((s) => [s.name, s.type]));
    if (passesFailed(results, (s) => types.get(s))) process.exitCode = 1;
  });
}
