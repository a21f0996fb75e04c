/**
 * @module `orchestrator sync [SOURCE...] [--dry-run]`: one pass over the
 * sources now (git sources fetched first), printing one line per change
 * as `apply` does and a summary per source.
 */
import { reconcileSources, UnknownSourceError } from "../../reconcile/reconcile-sources.js";
import type { PassResult } from "../../reconcile/pass-result.js";
import { sourceStoreOf } from "../../store/source-store.js";
import { queueingHooks } from "../../runtime/engine-hook.js";
import { withStore } from "../context.js";
import { CliError } from "../errors.js";
import { writeErr } from "../output/io.js";
import type { OutputFormat } from "../output/format.js";
import { passesFailed, printPasses } from "../output/pass-result.js";
import { startProgress } from "../output/progress.js";

export interface SyncOptions {
  dryRun?: boolean;
  /** `--no-daemon`: queue committed Tasks and Runs without starting a controller. */
  daemon?: boolean;
  output?: OutputFormat | "text" | "json";
}

export async function syncCommand(names: string[], opts: SyncOptions): Promise<void> {
  await withStore(async ({ store, home }) => {
    // Tasks and Runs the pass commits are queued for a controller (started if none runs).
    const engine = queueingHooks(store, home);
    let results: PassResult[];
    try {
      const progress = startProgress(opts.dryRun ? "sync (dry run)" : "sync");
      try {
        results = await reconcileSources({ home, store, sources: names, dryRun: !!opts.dryRun, onSource: (s) => progress.update(`source ${s}`), ...(opts.dryRun ? {} : { hooks: engine.hooks }) });
      } finally {
        progress.done();
      }
    } catch (err) {
      if (err instanceof UnknownSourceError) throw new CliError(err.message);
      throw err;
    }
    if (results.length === 0) {
      writeErr("no sources are configured; add one with `orchestrator source add NAME --dir PATH` or `--git URL`\n");
      return;
    }
    printPasses(results, opts.output);
    for (const line of await engine.settle({ noDaemon: opts.daemon === false })) writeErr(`${line}\n`);
    const types = new Map(sourceStoreOf(store).listSources().map((s) => [s.name, s.type]));
    if (passesFailed(results, (s) => types.get(s))) process.exitCode = 1;
    // Named and suspended: nothing was done that was asked for, as `flux reconcile` says of a suspended object.
    const suspended = results.filter((r) => r.suspended && names.includes(r.source) && !opts.dryRun);
    if (suspended.length) throw new CliError(suspended.map((r) => `source ${r.source} is suspended; \`orchestrator source resume ${r.source}\` resumes it`).join("\n"));
  });
}
