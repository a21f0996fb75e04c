/**
 * @module The web view as one Hono app: the JSON API under `/api/v1`, the
 * front end, and the login page, behind the checks every request passes:
 * security headers, a same-origin check on anything that writes, and either
 * the token (when one is set) or, without one, a check that the request
 * was addressed to this machine by a loopback name (so a web page cannot
 * reach the view through a DNS name that resolves to 127.0.0.1).
 */
import { Hono, type MiddlewareHandler } from "hono";
import { csrf } from "hono/csrf";
import { secureHeaders } from "hono/secure-headers";
import { apiRoutes, API_BASE, type ApiOptions } from "./api/index.js";
import type { ApiContext } from "./api/context.js";
import { loginRoutes, requireToken } from "./auth.js";
import { hostName, isLoopback } from "./bind.js";
import { assetRoutes, pageRoutes, WEB_DIST } from "./ui/static.js";

export interface WebAppOptions extends ApiOptions {
  ctx: ApiContext;
  /** The token requests must carry; undefined serves anyone who can connect (a loopback bind). */
  token?: string;
  /** Where the built front end is (tests point elsewhere). */
  webDir?: string;
}

/** Without a token, only requests addressed to a loopback name are answered. */
function loopbackHostOnly(): MiddlewareHandler {
  return async (c, next) => {
    const host = c.req.header("host");
    if (host !== undefined && !isLoopback(hostName(host))) {
      return c.text(`this web view answers only to localhost and loopback addresses (asked for ${host}); to reach it by another name, start it with --ui-token-file`, 403);
    }
    return next();
  };
}

export function webApp(opts: WebAppOptions): Hono {
  const app = new Hono();
  app.use(
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", "data:"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
      },
    }),
  );
  if (opts.token === undefined) app.use(loopbackHostOnly());
  app.use(csrf());
  app.route("/", loginRoutes(opts.token));
  app.route("/", assetRoutes(opts.webDir ?? WEB_DIST));
  if (opts.token !== undefined) app.use(requireToken(opts.token));
  app.route(API_BASE, apiRoutes(opts.ctx, opts));
  // A path under the API that no route has is a JSON 404, not the page.
  app.all(`${API_BASE}/*`, (c) => c.json({ error: { status: 404, message: `no API route ${c.req.method} ${c.req.path}` } }, 404));
  app.route("/", pageRoutes(opts.webDir ?? WEB_DIST));
  return app;
}
