/**
 * @module `orchestrator watch [PATH]`: reconcile a directory on every save
 * and print what changed. Without PATH, the `default` source (`manifests/`);
 * a PATH no source reads is added as source `watch-<dir>` so its inventory
 * (what to prune) is kept. Tasks and Runs in the files start in the
 * controller when one runs, otherwise inside `watch`. Ctrl-C exits 0.
 */
import { basename, resolve } from "node:path";
import type { SourcePass } from "../../reconcile/source-pass.js";
import { sourceDirectory } from "../../reconcile/sources/dir-source.js";
import { DEFAULT_SOURCE_NAME, sourceSpecFrom } from "../../reconcile/sources/spec.js";
import { runWatch } from "../../reconcile/watch.js";
import { formatDiagnostic } from "../../resources/diagnostics.js";
import type { ControllerHooks } from "../../../controllers/types.js";
import { startInProcessRunner } from "../../runtime/in-process-runner.js";
import { readControllerLock } from "../../runtime/lock.js";
import type { Home } from "../../store/home.js";
import { sourceStoreOf, type SourceRecord } from "../../store/source-store.js";
import { openStore } from "../../store/open.js";
import type { Store } from "../../store/store.js";
import { requireHome } from "../context.js";
import { durationFlag } from "../duration-flag.js";
import { CliError } from "../errors.js";
import { writeErr, writeOut } from "../output/io.js";
import { changeLine, summaryLine } from "../output/pass-result.js";

export interface WatchCommandOptions {
  debounce?: string;
}

export async function watchCommand(path: string | undefined, opts: WatchCommandOptions): Promise<void> {
  const debounceMs = durationFlag("--debounce", opts.debounce ?? "50ms", { bareUnit: "ms", allowZero: true });
  const cwd = process.cwd();
  const home = requireHome(cwd);
  const store = openStore(home);
  let hooks: ControllerHooks = {};
  let close: (() => Promise<void>) | undefined;
  try {
    const source = resolveSource(store, home, cwd, path);
    const controller = readControllerLock(home.dir);
    if (controller?.alive) writeErr(`a controller is running (pid ${controller.pid}): it runs the Tasks and Runs applied here\n`);
    else {
      const runner = startInProcessRunner({ home, store, log: (line) => writeErr(`${line}\n`) });
      hooks = runner.hooks;
      close = runner.close;
    }

    const abort = new AbortController();
    const stop = (): void => abort.abort();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    const printer = new PassPrinter();
    await runWatch({
      home,
      store,
      source,
      hooks,
      debounceMs: debounceMs,
      signal: abort.signal,
      onPass: (pass) => printer.print(pass),
      onNotice: (m) => writeErr(`${m}\n`),
    });
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  } finally {
    await close?.();
    store.close();
  }
}

function resolveSource(store: Store, home: Home, cwd: string, path: string | undefined): SourceRecord {
  const sources = sourceStoreOf(store);
  if (path === undefined) {
    const def = sources.getSource(DEFAULT_SOURCE_NAME);
    if (!def) throw new CliError(`no source '${DEFAULT_SOURCE_NAME}'; give a directory (\`orchestrator watch manifests/\`) or add one with \`orchestrator source add ${DEFAULT_SOURCE_NAME} --dir manifests\``);
    if (def.type !== "dir") throw new CliError(`source '${DEFAULT_SOURCE_NAME}' follows a git remote; watch reads directories: give one (\`orchestrator watch DIR\`)`);
    return def;
  }
  const abs = resolve(cwd, path);
  const existing = sources.listSources().find((s) => s.type === "dir" && sourceDirectory(home, s) === abs);
  if (existing) return existing;
  const taken = new Set(sources.listSources().map((s) => s.name));
  const stem = `watch-${basename(abs).replace(/[^A-Za-z0-9._-]/g, "-").replace(/^[^A-Za-z0-9]+/, "") || "dir"}`;
  let name = stem;
  for (let i = 2; taken.has(name); i++) name = `${stem}-${i}`;
  const added = sources.addSource(sourceSpecFrom({ name, dir: path }, home, cwd));
  writeErr(`added source ${name} for ${path} (remove it with \`orchestrator source remove ${name}\`)\n`);
  return added;
}

/** Prints each pass: its changes, new diagnostics, and a summary unless nothing happened. */
class PassPrinter {
  private first = true;
  private readonly warned = new Set<string>();

  print({ result }: SourcePass): void {
    const time = new Date().toTimeString().slice(0, 8);
    const quiet = result.upToDate && result.ready && !this.first;
    this.first = false;
    if (quiet) return;
    for (const c of result.changes) writeOut(`[${time}] ${changeLine(c, false)}\n`);
    for (const d of result.diagnostics) {
      const text = formatDiagnostic(d);
      if (d.severity === "warning") {
        if (this.warned.has(text)) continue;
        this.warned.add(text);
      }
      writeErr(`${text}\n`);
    }
    const line = `[${time}] ${summaryLine(result)}\n`;
    if (result.ready) writeOut(line);
    else writeErr(line);
  }
}
