/**
 * @module `orchestrator ui [--bind HOST:PORT] [--token-file FILE]`: the web
 * view in this process, against the store, whether or not a controller
 * runs (actions that queue work start one as the CLI's do, and
 * `reconcile` needs one). Serves until Ctrl-C or SIGTERM.
 */
import { resolve } from "node:path";
import { DEFAULT_UI_BIND } from "../../http/bind.js";
import type { WebViewSettings } from "../../http/web-view.js";
import { readControllerLock } from "../../runtime/lock.js";
import { installShutdownSignals } from "../../runtime/signals.js";
import { openStore } from "../../store/sqlite/open.js";
import { requireHome } from "../context.js";
import { CliError } from "../errors.js";
import { writeErr, writeOut } from "../output/io.js";
import { checkWebView } from "./controller.js";

export interface UiOptions {
  bind?: string;
  tokenFile?: string;
}

export async function uiCommand(opts: UiOptions): Promise<void> {
  const settings: WebViewSettings = {
    bind: opts.bind ?? DEFAULT_UI_BIND,
    ...(opts.tokenFile !== undefined ? { tokenFile: resolve(opts.tokenFile) } : {}),
    bindFlag: "--bind",
    tokenFlag: "--token-file",
  };
  await checkWebView(settings);
  const home = requireHome();
  const [{ startWebView }, { HttpListenError }] = await Promise.all([import("../../http/web-view.js"), import("../../http/server.js")]);
  const store = openStore(home);
  let web;
  try {
    web = await startWebView({ ...settings, store, home, actor: "web", log: (line) => writeErr(`${line}\n`) });
  } catch (err) {
    store.close();
    if (err instanceof HttpListenError) {
      const lock = readControllerLock(home.dir);
      const hint = lock?.alive && opts.bind === undefined ? ` (the running controller, pid ${lock.pid}, may serve the web view there already)` : "";
      throw new CliError(`${err.message}${hint}; choose another address with --bind HOST:PORT (port 0 picks a free one)`);
    }
    throw err;
  }
  if (!web) {
    store.close();
    writeOut("--bind none: nothing to serve\n");
    return;
  }
  writeOut(`web view at ${web.url}/${web.tokenRequired ? " (token required)" : ""}; Ctrl-C stops it\n`);
  if (!readControllerLock(home.dir)?.alive) writeOut("no controller runs for this store: tasks resumed or retried and triggers fired here start one, as the CLI's commands do\n");
  await new Promise<void>((done) => {
    installShutdownSignals({
      log: () => undefined,
      onShutdown: async () => {
        await web.close();
        store.close();
        done();
      },
    });
  });
}
