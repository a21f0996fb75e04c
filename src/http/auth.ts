/**
 * @module Who may use the web view. A listener reachable only from this
 * machine needs nothing more; one given a token (`--ui-token-file`, and
 * required for any other bind) takes it as `Authorization: Bearer TOKEN`
 * or as the cookie the login page sets, and answers 401 otherwise. The
 * cookie holds a value derived from the token rather than the token itself.
 */
import { createHmac, createHash, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Context, MiddlewareHandler } from "hono";
import { Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { loginPage } from "./ui/login-page.js";

export const SESSION_COOKIE = "orchestrator_ui";

/** Shorter tokens are refused: the login form is a guessing oracle. */
export const MIN_TOKEN_LENGTH = 16;

export class TokenFileError extends Error {
  override name = "TokenFileError";
}

/** The token in a file (surrounding white space trimmed), or a TokenFileError saying what is wrong. */
export function readTokenFile(path: string, flag: string): string {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new TokenFileError(`${flag} ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const token = text.trim();
  if (token.length < MIN_TOKEN_LENGTH) {
    throw new TokenFileError(`${flag} ${path}: the token must be at least ${MIN_TOKEN_LENGTH} characters (e.g. \`openssl rand -hex 32 > ${path}\`), got ${token.length}`);
  }
  if (/\s/.test(token)) throw new TokenFileError(`${flag} ${path}: the token must be one word with no white space inside it`);
  return token;
}

/** Equal without telling, by timing, how much of the guess was right. */
function sameSecret(a: string, b: string): boolean {
  const ha = createHash("sha256").update(a).digest();
  const hb = createHash("sha256").update(b).digest();
  return timingSafeEqual(ha, hb);
}

/** What the session cookie holds for a token. */
export function sessionValue(token: string): string {
  return createHmac("sha256", token).update("orchestrator web view session").digest("hex");
}

function presented(c: Context, token: string): boolean {
  const header = c.req.header("authorization");
  if (header !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return m !== null && sameSecret(m[1]!, token);
  }
  const cookie = getCookie(c, SESSION_COOKIE);
  return cookie !== undefined && sameSecret(cookie, sessionValue(token));
}

/** A local path to go back to after logging in; anything else goes to the start page. */
function safeNext(next: string | undefined): string {
  return next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\") ? next : "/";
}

const isApi = (path: string): boolean => path === "/api" || path.startsWith("/api/");

/** 401 for an API call (with WWW-Authenticate), the login page with status 401 for a page. */
function unauthorized(c: Context): Response {
  if (isApi(c.req.path)) {
    c.header("WWW-Authenticate", 'Bearer realm="orchestrator"');
    return c.json({ error: { status: 401, message: "a token is required: send `Authorization: Bearer TOKEN` or log in at /login" } }, 401);
  }
  return c.html(loginPage({ next: c.req.path }), 401);
}

/** Lets a request through when it carries the token; `/login` is always open. */
export function requireToken(token: string): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.path === "/login" || presented(c, token)) return next();
    return unauthorized(c);
  };
}

/** The login page (a form for the token), and logging out. */
export function loginRoutes(token: string | undefined): Hono {
  const app = new Hono();
  app.get("/login", (c) => c.html(loginPage({ next: safeNext(c.req.query("next")), noToken: token === undefined })));
  app.post("/login", async (c) => {
    const form = await c.req.parseBody();
    const given = typeof form["token"] === "string" ? form["token"].trim() : "";
    const next = safeNext(typeof form["next"] === "string" ? form["next"] : undefined);
    if (token === undefined) return c.redirect(next, 303);
    if (!sameSecret(given, token)) return c.html(loginPage({ next, failed: true }), 401);
    const secure = new URL(c.req.url).protocol === "https:" || c.req.header("x-forwarded-proto") === "https";
    setCookie(c, SESSION_COOKIE, sessionValue(token), { path: "/", httpOnly: true, sameSite: "Strict", secure });
    return c.redirect(next, 303);
  });
  app.post("/logout", (c) => {
    deleteCookie(c, SESSION_COOKIE, { path: "/" });
    return c.redirect("/login", 303);
  });
  return app;
}
