/**
 * @module `orchestrator reconcile [SOURCE]`: ask the running controller for
 * a pass now (as `flux reconcile` does), wait for it and print its result.
 * Without a controller there is nobody to ask: `sync` runs a pass in place.
 * An unknown source is reported first, controller or not.
 */
import type { PassResult } from "../../reconcile/pass-result.js";
import { UnknownSourceError } from "../../reconcile/reconcile-sources.js";
import { requestAndWait } from "../../reconcile/requests.js";
import { parseInterval, SourceSpecError } from "../../reconcile/sources/spec.js";
import { readControllerLock } from "../../runtime/lock.js";
import type { Home } from "../../store/home.js";
import { sourceStoreOf } from "../../store/source-store.js";
import type { Store } from "../../store/store.js";
import { requireHome, withStore } from "../context.js";
import { CliError, UsageError } from "../errors.js";
import { printPass, printPassesJson } from "../output/pass-result.js";

export interface ReconcileOptions {
  timeout?: string;
  output?: "text" | "json";
}

/**
 * Asks the running controller for a pass over one source (or every source)
 * and waits for its results; a CliError when the source is unknown, no
 * controller runs, or the pass did not finish in time.
 */
export async function reconcileNow(store: Store, home: Home, source: string | undefined, timeout: { ms: number; text: string }): Promise<PassResult[]> {
  // A source that does not exist is the first thing to say, controller or not.
  if (source !== undefined && !sourceStoreOf(store).getSource(source)) {
    throw new CliError(new UnknownSourceError([source], sourceStoreOf(store).listSources().map((s) => s.name)).message);
  }
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

export async function reconcileCommand(source: string | undefined, opts: ReconcileOptions): Promise<void> {
  let timeoutMs: number;
  try {
    timeoutMs = parseInterval(opts.timeout ?? "60s");
  } catch (err) {
    if (err instanceof SourceSpecError) throw new UsageError(err.message.replace("interval", "timeout"));
    throw err;
  }
  const home = requireHome();
  await withStore(async ({ store }) => {
    const results = await reconcileNow(store, home, source, { ms: timeoutMs, text: opts.timeout ?? "60s" });
    if (opts.output === "json") printPassesJson(results);
    else results.forEach(printPass);
    if (results.some((r) => !r.ready)) process.exitCode = 1;
  });
}
