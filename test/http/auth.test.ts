/**
 * The web view's token: required on every page and API call when set,
 * taken as a bearer header or as the cookie the login page sets, refused
 * with 401 otherwise; the token file's rules; and the check that a bind
 * reachable from other machines has a token.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readTokenFile, SESSION_COOKIE, sessionValue, TokenFileError } from "../../src/http/auth.js";
import { checkWebViewSettings, WebViewConfigError } from "../../src/http/web-view.js";
import { webApp } from "../../src/http/web-app.js";
import type { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { newStore, removeTempDirs, tempDir } from "../store/helpers.js";

const TOKEN = "3f9c2a7b51e04d8e9a6b";

let store: SqliteStore;
let app: ReturnType<typeof webApp>;

/** As a server behind a proxy at orchestrator.example.com would see it. */
const request = (path: string, init: RequestInit = {}): Promise<Response> =>
  Promise.resolve(app.request(`http://orchestrator.example.com${path}`, { ...init, headers: { Host: "orchestrator.example.com", ...(init.headers as Record<string, string> | undefined) } }));

beforeAll(() => {
  const made = newStore();
  store = made.store;
  const web = tempDir("orch-web-");
  writeFileSync(join(web, "index.html"), "<!doctype html><title>page</title>");
  app = webApp({ ctx: { store, home: made.home, actor: "web" }, token: TOKEN, webDir: web });
});

afterAll(() => {
  store.close();
  removeTempDirs();
});

describe("with a token", () => {
  it("answers an API call without it 401, with WWW-Authenticate and a JSON error", async () => {
    const r = await request("/api/v1/tasks");
    expect(r.status).toBe(401);
    expect(r.headers.get("www-authenticate")).toBe('Bearer realm="orchestrator"');
    expect((await r.json()).error.message).toMatch(/^a token is required: send `Authorization: Bearer TOKEN` or log in at \/login$/);
  });

  it("takes the token as a bearer header, and refuses a wrong one", async () => {
    expect((await request("/api/v1/tasks", { headers: { Authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    expect((await request("/api/v1/tasks", { headers: { Authorization: `Bearer ${TOKEN}x` } })).status).toBe(401);
    expect((await request("/api/v1/tasks", { headers: { Authorization: `Basic ${TOKEN}` } })).status).toBe(401);
  });

  it("answers a page without it with the login page and status 401", async () => {
    const r = await request("/tasks/t-1");
    expect(r.status).toBe(401);
    const html = await r.text();
    expect(html).toContain('<form method="post" action="/login"');
    expect(html).toContain('name="next" value="/tasks/t-1"');
  });

  it("logs in with the right token: a cookie that is not the token, HttpOnly and SameSite=Strict, that opens pages and the API", async () => {
    const r = await request("/login", { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: "http://orchestrator.example.com" }, body: `token=${TOKEN}&next=%2Ftasks` });
    expect(r.status).toBe(303);
    expect(r.headers.get("location")).toBe("/tasks");
    const cookie = r.headers.get("set-cookie")!;
    expect(cookie).toContain(`${SESSION_COOKIE}=${sessionValue(TOKEN)}`);
    expect(cookie).not.toContain(TOKEN);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const session = `${SESSION_COOKIE}=${sessionValue(TOKEN)}`;
    expect((await request("/api/v1/tasks", { headers: { Cookie: session } })).status).toBe(200);
    const page = await request("/tasks", { headers: { Cookie: session } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<title>page</title>");
    expect((await request("/api/v1/tasks", { headers: { Cookie: `${SESSION_COOKIE}=${TOKEN}` } })).status).toBe(401);
  });

  it("refuses a wrong token at the login page, and never sends anyone to another site after logging in", async () => {
    const wrong = await request("/login", { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: "http://orchestrator.example.com" }, body: "token=guess" });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("set-cookie")).toBeNull();
    expect(await wrong.text()).toContain("That token is not the one this web view was started with.");
    for (const next of ["//evil.example/x", "https://evil.example", "/\\evil.example"]) {
      const r = await request("/login", { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: "http://orchestrator.example.com" }, body: `token=${TOKEN}&next=${encodeURIComponent(next)}` });
      expect(r.headers.get("location"), next).toBe("/");
    }
  });

  it("refuses a login form posted from another site", async () => {
    const r = await request("/login", { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: "https://evil.example" }, body: `token=${TOKEN}` });
    expect(r.status).toBe(403);
  });

  it("serves the stylesheet to anyone (the login page needs it) and answers to any host name", async () => {
    expect((await request("/login")).status).toBe(200);
    expect((await request("/assets/missing.css")).status).toBe(404);
  });

  it("logging out clears the cookie", async () => {
    const r = await request("/logout", { method: "POST", headers: { Origin: "http://orchestrator.example.com", Cookie: `${SESSION_COOKIE}=${sessionValue(TOKEN)}` } });
    expect(r.status).toBe(303);
    expect(r.headers.get("set-cookie")).toMatch(new RegExp(`^${SESSION_COOKIE}=; Max-Age=0`));
  });
});

describe("token files and binds", () => {
  it("reads a token file, trimmed; refuses a missing, short or two-word one with what to do", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "ok"), `  ${TOKEN}\n`);
    writeFileSync(join(dir, "short"), "abc\n");
    writeFileSync(join(dir, "two"), "aaaaaaaaaaaa bbbbbbbbbbbbb\n");
    expect(readTokenFile(join(dir, "ok"), "--ui-token-file")).toBe(TOKEN);
    expect(() => readTokenFile(join(dir, "short"), "--ui-token-file")).toThrow(/--ui-token-file .*short: the token must be at least 16 characters \(e\.g\. `openssl rand -hex 32 > .*`\), got 3/);
    expect(() => readTokenFile(join(dir, "two"), "--ui-token-file")).toThrow(/one word/);
    expect(() => readTokenFile(join(dir, "missing"), "--ui-token-file")).toThrow(TokenFileError);
    expect(() => readTokenFile(join(dir, "missing"), "--ui-token-file")).toThrow(/cannot read it \(ENOENT\)/);
  });

  it("a bind other machines can reach needs a token; loopback and none do not", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "t"), TOKEN);
    const flags = { bindFlag: "--ui-bind", tokenFlag: "--ui-token-file" };
    expect(() => checkWebViewSettings({ bind: "0.0.0.0:19091", ...flags })).toThrow(WebViewConfigError);
    expect(() => checkWebViewSettings({ bind: "0.0.0.0:19091", ...flags })).toThrow(/--ui-bind 0\.0\.0\.0:19091 accepts connections from other machines, so the web view needs a token: give --ui-token-file FILE/);
    expect(checkWebViewSettings({ bind: "0.0.0.0:19091", tokenFile: join(dir, "t"), ...flags })).toEqual({ bind: { host: "0.0.0.0", port: 19091 }, token: TOKEN });
    expect(checkWebViewSettings({ bind: "127.0.0.1:0", ...flags })).toEqual({ bind: { host: "127.0.0.1", port: 0 }, token: undefined });
    expect(checkWebViewSettings({ bind: "none", ...flags }).bind).toBeNull();
  });
});
