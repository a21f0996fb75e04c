/**
 * @module Starting the web view from command-line settings: the bind
 * address (or `none`), the token file, and the rule that a listener
 * reachable from other machines needs a token. Used by the controller
 * (`--ui-bind`, `--ui-token-file`) and by `orchestrator ui`.
 */
import type { Home } from "../store/home.js";
import type { Store } from "../store/store.js";
import type { LogStreamOptions } from "./api/log-stream.js";
import { readTokenFile } from "./auth.js";
import { isLoopback, parseBind, urlOf } from "./bind.js";
import { webApp } from "./web-app.js";
import { startHttpServer, type HttpServer } from "./server.js";

export { DEFAULT_UI_BIND } from "./bind.js";

export interface WebViewSettings {
  /** `HOST:PORT` or `none`. */
  bind: string;
  tokenFile?: string;
  /** How the flags are called, for messages (`--ui-bind`, `--bind`). */
  bindFlag: string;
  tokenFlag: string;
}

export interface WebViewOptions extends WebViewSettings {
  store: Store;
  home: Home;
  /** Recorded as the actor of actions taken in the view. */
  actor: string;
  log?: (line: string) => void;
  logStream?: LogStreamOptions;
}

export class WebViewConfigError extends Error {
  override name = "WebViewConfigError";
}

export interface WebView extends HttpServer {
  /** Whether requests must carry the token. */
  tokenRequired: boolean;
}

/** Checks the settings before anything is started; throws WebViewConfigError (BindError, TokenFileError) with what to change. */
export function checkWebViewSettings(s: WebViewSettings): { bind: ReturnType<typeof parseBind>; token: string | undefined } {
  const bind = parseBind(s.bind, s.bindFlag);
  const token = s.tokenFile !== undefined ? readTokenFile(s.tokenFile, s.tokenFlag) : undefined;
  if (bind && token === undefined && !isLoopback(bind.host)) {
    throw new WebViewConfigError(
      `${s.bindFlag} ${s.bind} accepts connections from other machines, so the web view needs a token: give ${s.tokenFlag} FILE (a file holding a secret of at least 16 characters, e.g. from \`openssl rand -hex 32\`), or bind to ${urlOf("127.0.0.1", bind.port).slice("http://".length)}`,
    );
  }
  return { bind, token };
}

/** Serves the web view; undefined when the bind is `none`. */
export async function startWebView(opts: WebViewOptions): Promise<WebView | undefined> {
  const { bind, token } = checkWebViewSettings(opts);
  if (!bind) return undefined;
  const app = webApp({
    ctx: { store: opts.store, home: opts.home, actor: opts.actor },
    ...(token !== undefined ? { token } : {}),
    ...(opts.log ? { log: opts.log } : {}),
    ...(opts.logStream ? { logStream: opts.logStream } : {}),
  });
  const server = await startHttpServer(app, bind, { shownAs: "url" });
  return { ...server, tokenRequired: token !== undefined };
}
