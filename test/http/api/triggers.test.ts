/**
 * `POST /api/v1/triggers/NAME/fire|suspend|resume` against a real store
 * set up by the built CLI: each says what `trigger fire|suspend|resume`
 * says, refuses what they refuse (a manifest's suspension, a policy that
 * skips the firing, a payload that is not a JSON object or is too large,
 * a trigger that does not exist), records the web as who acted, and the
 * CLI sees what it did. Writes from other sites and without the token are
 * refused before they change anything.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_PAYLOAD_BYTES } from "../../../src/cli/commands/trigger.js";
import { webApp } from "../../../src/http/web-app.js";
import { homeAt, type Home } from "../../../src/store/home.js";
import { openSqliteStore } from "../../../src/store/sqlite/open.js";
import type { SqliteStore } from "../../../src/store/sqlite/sqlite-store.js";
import { docs, workflow, workspace } from "../../reconcile/support/manifests.js";
import { initializedProject } from "../../support/cli.js";
import { tempDir, removeTempDirs } from "../../store/helpers.js";

type Project = ReturnType<typeof initializedProject>;

const V2 = "apiVersion: orchestrator.dev/v2";
const trigger = (name: string, extra = ""): string =>
  `${V2}\nkind: Trigger\nmetadata:\n  name: ${name}\nspec:\n  cron:\n    schedule: "0 0 1 1 *"\n${extra}  action:\n    workflow: wf\n    workspace: ws\n`;

let p: Project;
let home: Home;
let store: SqliteStore;
let app: ReturnType<typeof webApp>;
const TOKEN = "a5c1e0f94b7d2368aa01";

const post = (path: string, body?: string, headers: Record<string, string> = {}): Promise<Response> =>
  Promise.resolve(app.request(path, { method: "POST", headers: { Host: "127.0.0.1:19091", "Content-Type": "application/json", ...headers }, ...(body === undefined ? {} : { body }) }));
const json = async (r: Response): Promise<any> => r.json(); // eslint-disable-line @typescript-eslint/no-explicit-any

/** What the CLI shows of the trigger and the tasks: `get trigger -o json`, `task list -o json`. */
const statusOf = (name: string): Record<string, unknown> => (JSON.parse(p.run(["get", "trigger", name, "-o", "json"]).stdout) as { status?: Record<string, unknown> }).status ?? {};
const taskIds = (): string[] => (JSON.parse(p.run(["task", "list", "-o", "json"]).stdout) as { items: Array<{ id: string }> }).items.map((t) => t.id);

beforeAll(() => {
  // A firing would start a background controller, as `trigger fire` does without one.
  process.env["ORCHESTRATOR_NO_DAEMON"] = "1";
  p = initializedProject({
    "setup.yaml": docs(workspace("ws"), workflow("wf"), trigger("nightly"), trigger("manual-off", "  suspend: true\n"), trigger("single", "  concurrencyPolicy: Forbid\n")),
  });
  const r = p.run(["apply", "-f", "setup.yaml"]);
  expect(r.code, r.stderr).toBe(0);
  home = homeAt(`${p.dir}/.orchestrator`);
  store = openSqliteStore(home);
  app = webApp({ ctx: { store, home, actor: "web" }, webDir: tempDir("orch-web-") });
});

afterAll(() => {
  store?.close();
  p?.cleanup();
  removeTempDirs();
});

describe("suspend and resume", () => {
  it("say what the CLI says, keep the suspension in the store as the CLI does, and record the web as who did it", async () => {
    const s = await post("/api/v1/triggers/nightly/suspend");
    expect(s.status).toBe(200);
    expect(await json(s)).toEqual({ message: "trigger/nightly suspended" });
    expect(statusOf("nightly")["suspended"]).toMatchObject({ by: "web" });
    expect(store.listEvents({ type: "trigger_suspended" }).map((e) => [e.name, e.actor])).toEqual([["nightly", "web"]]);
    expect((await json(await post("/api/v1/triggers/nightly/suspend"))).message).toBe("trigger/nightly was already suspended");
    // The CLI sees it suspended: it has nothing to suspend.
    expect(p.run(["trigger", "suspend", "nightly"]).stdout).toBe("trigger/nightly was already suspended\n");

    const r = await post("/api/v1/triggers/nightly/resume");
    expect(r.status).toBe(200);
    expect((await json(r)).message).toBe("trigger/nightly resumed");
    expect(statusOf("nightly")["suspended"]).toBeUndefined();
    expect((await json(await post("/api/v1/triggers/nightly/resume"))).message).toBe("trigger/nightly was not suspended");
    expect(p.run(["trigger", "resume", "nightly"]).stdout).toBe("trigger/nightly was not suspended\n");
  });

  it("refuses to resume a trigger its manifest suspends, with the CLI's message, and answers 404 for one that is not there", async () => {
    const r = await post("/api/v1/triggers/manual-off/resume");
    expect(r.status).toBe(409);
    const cli = p.run(["trigger", "resume", "manual-off"]);
    expect(cli.code).toBe(1);
    const message = (await json(r)).error.message as string;
    expect(message).toMatch(/^trigger\/manual-off is suspended by its manifest \(spec\.suspend: true\); set spec\.suspend to false/);
    expect(cli.stderr).toContain(message);

    const missing = await post("/api/v1/triggers/nobody/suspend");
    expect(missing.status).toBe(404);
    expect((await json(missing)).error.message).toBe("trigger/nobody not found in project 'default'; triggers there: manual-off, nightly, single");
    const elsewhere = await post("/api/v1/triggers/nightly/suspend?project=elsewhere");
    expect(elsewhere.status).toBe(404);
    expect((await json(elsewhere)).error.message).toBe("trigger/nightly not found in project 'elsewhere'");
    expect(statusOf("nightly")["suspended"]).toBeUndefined();
  });
});

describe("fire", () => {
  it("creates and queues the task as `trigger fire` does, with the body as its payload, also when the trigger is suspended", async () => {
    expect((await post("/api/v1/triggers/nightly/suspend")).status).toBe(200);
    const r = await post("/api/v1/triggers/nightly/fire", JSON.stringify({ ref: "refs/heads/main", count: 2 }));
    expect(r.status).toBe(200);
    const body = await json(r);
    expect(body.message).toMatch(/^trigger\/nightly fired: task\/\S+ created: queued; no controller runs: start one with `orchestrator controller`$/);
    // As `trigger fire -o json` prints it: an object of the output contract, typed.
    expect(body.fired).toMatchObject({ apiVersion: "orchestrator.dev/v2", kind: "TriggerFired", trigger: "nightly", project: "default", id: expect.stringMatching(/^t-/), phase: "Pending", queued: true, cancelled: [], controller: "disabled" });
    expect(body.message).toContain(body.fired.resource);
    expect(taskIds()).toContain(body.fired.id);
    const info = JSON.parse(p.run(["task", "info", body.fired.id, "-o", "json"]).stdout) as { task: { goal: string; spec: { vars: Record<string, string> } } };
    expect(info.task.spec.vars).toMatchObject({ payload_ref: "refs/heads/main", payload_count: "2" });
    const fired = store.listEvents({ type: "trigger_fired" }).filter((e) => e.name === "nightly");
    expect(fired.map((e) => e.actor)).toEqual(["web"]);
    expect(fired[0]!.message).toContain("(manual by web)");

    // No body: no payload, as `trigger fire` without --payload.
    const bare = await json(await post("/api/v1/triggers/nightly/fire"));
    const bareInfo = JSON.parse(p.run(["task", "info", bare.fired.id, "-o", "json"]).stdout) as { task: { goal: string; spec: { vars: Record<string, string> } } };
    expect(bareInfo.task.goal).toBe("Triggered by: nightly");
    expect(bareInfo.task.spec.vars["payload_json"]).toBeUndefined();
    expect((await post("/api/v1/triggers/nightly/resume")).status).toBe(200);
  });

  it("refuses a payload that is not a JSON object or is too large, and a firing the policy skips, creating nothing", async () => {
    const before = taskIds();
    for (const [body, message] of [
      ["[1]", /^the payload must be a JSON object/],
      ["{oops", /^the payload is not valid JSON: /],
      ['"text"', /^the payload must be a JSON object/],
    ] as const) {
      const r = await post("/api/v1/triggers/nightly/fire", body);
      expect(r.status, body).toBe(400);
      expect((await json(r)).error.message).toMatch(message);
    }
    const big = await post("/api/v1/triggers/nightly/fire", JSON.stringify({ blob: "x".repeat(MAX_PAYLOAD_BYTES) }));
    expect(big.status).toBe(413);
    expect((await json(big)).error.message).toBe(`the payload may be at most ${MAX_PAYLOAD_BYTES} bytes`);
    expect(taskIds()).toEqual(before);

    expect((await post("/api/v1/triggers/single/fire")).status).toBe(200);
    // The first task is still pending (no controller runs): Forbid skips the second firing, as the CLI's would be.
    const skipped = await post("/api/v1/triggers/single/fire");
    expect(skipped.status).toBe(409);
    expect((await json(skipped)).error.message).toMatch(/^trigger\/single did not fire: a task of this trigger is still active \(\S+\) and concurrencyPolicy is Forbid/);
    const cli = p.run(["trigger", "fire", "single"]);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/trigger\/single did not fire: a task of this trigger is still active/);
    expect(taskIds()).toHaveLength(before.length + 1);
    expect((await post("/api/v1/triggers/nobody/fire")).status).toBe(404);
  });
});

describe("requests refused before they change anything", () => {
  it("a form posted from another site, and a request without the token when one is set", async () => {
    const before = { tasks: taskIds(), events: store.listEvents({ limit: 1000 }).length };
    for (const action of ["fire", "suspend", "resume"]) {
      const r = await post(`/api/v1/triggers/nightly/${action}`, "x=1", { Origin: "https://evil.example", "Content-Type": "application/x-www-form-urlencoded" });
      expect(r.status, action).toBe(403);
    }
    const guarded = webApp({ ctx: { store, home, actor: "web" }, token: TOKEN, webDir: tempDir("orch-web-") });
    for (const action of ["fire", "suspend", "resume"]) {
      const r = await Promise.resolve(guarded.request(`/api/v1/triggers/nightly/${action}`, { method: "POST", headers: { Host: "orchestrator.example.com", "Content-Type": "application/json" } }));
      expect(r.status, action).toBe(401);
    }
    expect(statusOf("nightly")["suspended"]).toBeUndefined();
    expect({ tasks: taskIds(), events: store.listEvents({ limit: 1000 }).length }).toEqual(before);
    // With the token it acts.
    const ok = await Promise.resolve(guarded.request("/api/v1/triggers/nightly/suspend", { method: "POST", headers: { Host: "orchestrator.example.com", "Content-Type": "application/json", Authorization: `Bearer ${TOKEN}` } }));
    expect(ok.status).toBe(200);
    expect(statusOf("nightly")["suspended"]).toMatchObject({ by: "web" });
  });
});
