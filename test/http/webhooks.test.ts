/**
 * `POST /webhooks/<trigger>` against a real controller (the built CLI) on a
 * port of its own: real HMAC-SHA256 signatures, every value of the
 * SecretStore tried, the filter condition over the payload, the payload as
 * the task's variables, and 401/404/413/400 creating nothing; a redelivery
 * (the same delivery id) creating nothing after the signature check; and the rule
 * that a listener other hosts can reach never takes an unsigned webhook.
 */
import { createHmac } from "node:crypto";
import { request } from "node:http";
import { createServer, type Server } from "node:net";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { docs, workflow, workspace } from "../reconcile/support/manifests.js";
import { cli, CLI, initializedProject } from "../support/cli.js";
import { startController, startControllerCommand, stopAndRemove, until, type RunningController, type TaskRow } from "../support/controller.js";

type Project = ReturnType<typeof initializedProject>;

const V2 = "apiVersion: orchestrator.dev/v2";
const keys = (name: string, values: Record<string, string>): string =>
  `${V2}\nkind: SecretStore\nmetadata:\n  name: ${name}\nspec:\n  data:\n${Object.entries(values).map(([k, v]) => `    ${k}: "${v}"\n`).join("")}`;
const hook = (name: string, webhook: string, filter = ""): string =>
  `${V2}\nkind: Trigger\nmetadata:\n  name: ${name}\nspec:\n  event:\n    source: webhook\n${webhook}${filter}  action:\n    workflow: wf\n    workspace: ws\n`;
const signed = (secret: string): string => "    webhook:\n      secret:\n        fromRef: " + secret + "\n";
const sign = (body: string, key: string): string => `sha256=${createHmac("sha256", key).update(body).digest("hex")}`;
const tasks = (p: Project): TaskRow[] => (JSON.parse(p.run(["task", "list", "-o", "json"]).stdout) as { items: TaskRow[] }).items;
const events = (p: Project, type: string): { data: Record<string, unknown> | null; message: string }[] =>
  (JSON.parse(p.run(["event", "list", "--type", type, "--limit", "1000", "-o", "json"]).stdout) as { items: { data: Record<string, unknown> | null; message: string }[] }).items;

async function post(url: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, { method: "POST", body, headers: { "content-type": "application/json", ...headers } });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/**
 * The status of a delivery the server may answer before reading all of it
 * (413): the answer counts, not the write the server cut short after it.
 */
function postStatus(url: string, body: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), ...headers } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", (err) => setTimeout(() => reject(err), 1000));
    req.end(body);
  });
}

function applied(p: Project, file: string, text: string): void {
  p.write(file, text);
  const r = p.run(["apply", "-f", file]);
  expect(r.stderr).not.toMatch(/error/i);
  expect(r.code).toBe(0);
}

describe("webhook triggers", () => {
  let p: Project;
  let controller: RunningController | undefined;
  afterEach(() => stopAndRemove(controller, p));

  it("fire on a delivery signed with any value of the SecretStore whose condition holds; the payload reaches the task", async () => {
    p = initializedProject();
    applied(
      p,
      "setup.yaml",
      docs(
        workspace("ws"),
        workflow("wf", "'echo ref={payload_ref} pusher={payload_pusher} >> pushed.log'"),
        keys("github-keys", { old: "old-secret-value", new: "new-secret-value" }),
        hook("push", signed("github-keys"), "    filter:\n      condition: \"payload_ref == 'refs/heads/main'\"\n"),
        `${V2}\nkind: Trigger\nmetadata:\n  name: nightly\nspec:\n  cron:\n    schedule: "0 2 * * *"\n  action:\n    workflow: wf\n    workspace: ws\n`,
      ),
    );
    controller = await startController(p.dir);
    const base = await controller.url();
    const url = `${base}/webhooks/push`;
    const body = JSON.stringify({ ref: "refs/heads/main", pusher: "ada" });

    // Refused: nothing is created.
    expect(await post(url, body)).toMatchObject({ status: 401, json: { error: expect.stringMatching(/X-Hub-Signature-256 header is missing/) } });
    expect((await post(url, body, { "X-Hub-Signature-256": sign(body, "a-guess") })).status).toBe(401);
    expect((await post(url, body, { "X-Hub-Signature-256": sign(`${body} `, "old-secret-value") })).status).toBe(401);
    expect((await post(url, body, { "X-Hub-Signature-256": "sha1=abc" })).status).toBe(401);
    expect((await post(`${base}/webhooks/nope`, body)).status).toBe(404);
    expect(await post(`${base}/webhooks/nightly`, body)).toMatchObject({ status: 404, json: { error: expect.stringMatching(/not a webhook trigger/) } });
    expect((await post(`${base}/webhooks/other-project/push`, body)).status).toBe(404);
    const big = JSON.stringify({ ref: "refs/heads/main", pad: "x".repeat(1024 * 1024) });
    expect(await postStatus(url, big, { "X-Hub-Signature-256": sign(big, "old-secret-value") })).toBe(413);
    expect((await post(url, "not json", { "X-Hub-Signature-256": sign("not json", "old-secret-value") })).status).toBe(400);
    expect(tasks(p)).toEqual([]);

    // Either key signs: the old one still works while senders move to the new one.
    const first = await post(url, body, { "X-Hub-Signature-256": sign(body, "old-secret-value") });
    expect(first).toMatchObject({ status: 202, json: { fired: true, task: expect.any(String), name: "trigger-push" } });
    const other = JSON.stringify({ ref: "refs/heads/main", pusher: "grace" });
    const second = await post(url, other, { "X-Hub-Signature-256": sign(other, "new-secret-value").toUpperCase().replace("SHA256=", "sha256=") });
    expect(second.status).toBe(202);
    // A payload the condition rejects fires nothing.
    const branch = JSON.stringify({ ref: "refs/heads/feature", pusher: "eve" });
    expect(await post(url, branch, { "X-Hub-Signature-256": sign(branch, "new-secret-value") })).toMatchObject({ status: 200, json: { fired: false, reason: "filtered" } });

    await until("both tasks to complete", () => [first, second].every((r) => tasks(p).find((t) => t.id === r.json["task"])?.phase === "Completed"));
    expect(readFileSync(join(p.dir, "pushed.log"), "utf8").split("\n").sort()).toEqual(["", "ref=refs/heads/main pusher=ada", "ref=refs/heads/main pusher=grace"]);
    expect(tasks(p)).toHaveLength(2);
    const fired = events(p, "trigger_fired");
    expect(fired.map((e) => e.data?.["source"])).toEqual(["webhook", "webhook"]);
    expect(controller.log()).toMatch(/trigger\/push: delivery refused \(401\): the X-Hub-Signature-256 signature does not match/);
    // No secret value anywhere in what the controller logged.
    expect(controller.log()).not.toMatch(/old-secret-value|new-secret-value/);
  });

  it("take a custom signature header; a suspended trigger records a skip and creates nothing", async () => {
    p = initializedProject();
    applied(p, "setup.yaml", docs(workspace("ws"), workflow("wf"), keys("k", { only: "s3cr3t-key" }), hook("custom", `${signed("k")}      signatureHeader: X-Signature\n`)));
    controller = await startController(p.dir);
    const url = `${await controller.url()}/webhooks/custom`;
    const body = JSON.stringify({ action: "opened" });
    expect((await post(url, body, { "X-Hub-Signature-256": sign(body, "s3cr3t-key") })).status).toBe(401);
    expect((await post(url, body, { "X-Signature": sign(body, "s3cr3t-key") })).status).toBe(202);

    expect(p.run(["trigger", "suspend", "custom"]).code).toBe(0);
    expect(await post(url, body, { "X-Signature": sign(body, "s3cr3t-key") })).toMatchObject({ status: 200, json: { fired: false, reason: "suspended" } });
    expect(tasks(p)).toHaveLength(1);
    expect(events(p, "trigger_skipped").map((e) => e.data?.["reason"])).toEqual(["suspended"]);
    expect(p.run(["describe", "trigger/custom"]).stdout).toMatch(/fired\s+webhook\s+task \S+\n.*skipped\s+webhook\s+suspended: the trigger is suspended/);
  });

  it("take unsigned deliveries on a loopback listener; projects have their own path", async () => {
    p = initializedProject();
    applied(p, "setup.yaml", docs(workspace("ws"), workflow("wf"), hook("open", "")));
    p.write("team.yaml", docs(workspace("ws"), workflow("wf"), hook("open", "")));
    expect(p.run(["apply", "-f", "team.yaml", "--project", "team"]).code).toBe(0);
    controller = await startController(p.dir);
    const base = await controller.url();
    expect((await post(`${base}/webhooks/open`, "{}")).status).toBe(202);
    expect((await post(`${base}/webhooks/team/open`, '{"x":1}')).status).toBe(202);
    expect(tasks(p).map((t) => t.project).sort()).toEqual(["default", "team"]);
    // The upstream system's path reaches the same trigger.
    expect(await post(`${base}/webhook/team/open`, '{"x":2}')).toMatchObject({ status: 202, json: { fired: true } });
    expect(tasks(p).filter((t) => t.project === "team")).toHaveLength(2);
    const status = JSON.parse(p.run(["controller", "status", "-o", "json"]).stdout) as { webhooks: string };
    expect(status.webhooks).toBe(base);
  });

  it("take a delivery id once: a redelivery (same id) creates nothing and names the earlier task; other ids and deliveries without one fire", async () => {
    p = initializedProject();
    applied(p, "setup.yaml", docs(workspace("ws"), workflow("wf"), hook("open", "")));
    controller = await startController(p.dir);
    const url = `${await controller.url()}/webhooks/open`;
    // Tasks finished beyond the trigger's historyLimit are deleted: its firings are counted.
    const firings = (): number => events(p, "trigger_fired").length;

    const first = await post(url, '{"n":1}', { "X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958" });
    expect(first).toMatchObject({ status: 202, json: { fired: true, task: expect.any(String) } });
    // A redelivery: same id, same body (or not); nothing new, the earlier task named.
    const again = await post(url, '{"n":1}', { "X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958" });
    expect(again).toMatchObject({ status: 200, json: { fired: false, reason: "duplicate", task: first.json["task"], message: expect.stringMatching(/already taken/) } });
    expect(firings()).toBe(1);

    // Other ids fire, whichever host's header carries them; each once.
    const second = await post(url, '{"n":1}', { "X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0959" });
    expect(second).toMatchObject({ status: 202, json: { fired: true } });
    expect(second.json["task"]).not.toBe(first.json["task"]);
    for (const header of ["X-Gitea-Delivery", "X-Gitlab-Event-UUID", "Idempotency-Key", "X-Request-Id"]) {
      const id = `${header}-id`;
      expect(await post(url, "{}", { [header]: id })).toMatchObject({ status: 202, json: { fired: true } });
      expect(await post(url, "{}", { [header]: id })).toMatchObject({ status: 200, json: { fired: false, reason: "duplicate" } });
    }
    expect(firings()).toBe(6);
    // Without an id every delivery fires, as before.
    expect((await post(url, "{}")).status).toBe(202);
    expect((await post(url, "{}")).status).toBe(202);
    expect(firings()).toBe(8);
    // An id no host would send is refused, creating nothing.
    expect(await post(url, "{}", { "X-GitHub-Delivery": "x".repeat(201) })).toMatchObject({ status: 400, json: { error: expect.stringMatching(/X-GitHub-Delivery header is longer than 200/) } });
    expect(firings()).toBe(8);

    // The firing history names the delivery.
    const fired = events(p, "trigger_fired");
    expect(fired.filter((e) => e.data?.["delivery"] === "72d3162e-cc78-11e3-81ab-4c9367dc0958").map((e) => e.data?.["taskId"])).toEqual([first.json["task"]]);
    expect(controller.log()).toMatch(/delivery 72d3162e-cc78-11e3-81ab-4c9367dc0958 was already taken/);

    // A delivery the trigger skipped (suspended) is taken too: redelivered after resume, it creates nothing.
    expect(p.run(["trigger", "suspend", "open"]).code).toBe(0);
    expect(await post(url, "{}", { "X-GitHub-Delivery": "while-suspended" })).toMatchObject({ status: 200, json: { fired: false, reason: "suspended" } });
    expect(p.run(["trigger", "resume", "open"]).code).toBe(0);
    expect(await post(url, "{}", { "X-GitHub-Delivery": "while-suspended" })).toMatchObject({ status: 200, json: { fired: false, reason: "duplicate", task: null } });
    expect(events(p, "trigger_skipped").map((e) => e.data?.["delivery"])).toEqual(["while-suspended"]);
    expect(firings()).toBe(8);
  });

  it("check a signed delivery's signature before its id: a redelivery with a bad signature is refused, and a refused delivery does not take its id", async () => {
    p = initializedProject();
    applied(p, "setup.yaml", docs(workspace("ws"), workflow("wf"), keys("k", { only: "s3cr3t-key" }), hook("signed", signed("k"))));
    controller = await startController(p.dir);
    const url = `${await controller.url()}/webhooks/signed`;
    const body = JSON.stringify({ action: "opened" });
    const good = sign(body, "s3cr3t-key");

    // Refused first: the id is not taken by a delivery that was not let in.
    expect((await post(url, body, { "X-GitHub-Delivery": "d-1", "X-Hub-Signature-256": sign(body, "a-guess") })).status).toBe(401);
    const first = await post(url, body, { "X-GitHub-Delivery": "d-1", "X-Hub-Signature-256": good });
    expect(first).toMatchObject({ status: 202, json: { fired: true } });
    // A known id with no signature or a wrong one is refused, not answered as a duplicate (no earlier task is told).
    const unsigned = await post(url, body, { "X-GitHub-Delivery": "d-1" });
    expect(unsigned).toMatchObject({ status: 401, json: { error: expect.stringMatching(/X-Hub-Signature-256 header is missing/) } });
    expect(unsigned.json["task"]).toBeUndefined();
    expect((await post(url, body, { "X-GitHub-Delivery": "d-1", "X-Hub-Signature-256": sign(body, "a-guess") })).status).toBe(401);
    // Signed and known: a duplicate.
    expect(await post(url, body, { "X-GitHub-Delivery": "d-1", "X-Hub-Signature-256": good })).toMatchObject({ status: 200, json: { fired: false, reason: "duplicate", task: first.json["task"] } });
    expect(tasks(p)).toHaveLength(1);
  });

  it("refuse an unsigned delivery a web page sent (Origin, Sec-Fetch-Site) or addressed by a name that is not loopback, creating nothing", async () => {
    p = initializedProject();
    applied(p, "setup.yaml", docs(workspace("ws"), workflow("wf"), hook("open", "")));
    controller = await startController(p.dir);
    const base = await controller.url();
    // A cross-origin form post from a page in a browser on this machine.
    expect(await post(`${base}/webhooks/open`, "{}", { origin: "https://attacker.example" })).toMatchObject({ status: 403, json: { error: expect.stringMatching(/from a web page .*give the trigger or source a secret/) } });
    expect((await post(`${base}/webhooks/open`, "{}", { "sec-fetch-site": "cross-site" })).status).toBe(403);
    // A page's own name rebound to 127.0.0.1.
    expect(await postStatus(`${base}/webhooks/open`, "{}", { host: "attacker.example:19090" })).toBe(403);
    expect(tasks(p)).toEqual([]);
    await until("the refusal in the controller's log", () => /delivery refused \(403\)/.test(controller!.log()));
    // A program on this machine, as curl sends it, is still taken.
    expect(await postStatus(`${base}/webhooks/open`, "{}", { host: `localhost:${new URL(base).port}` })).toBe(202);
    expect(tasks(p)).toHaveLength(1);
  });
});

describe("the listener's address", () => {
  let p: Project;
  let controller: RunningController | undefined;
  let blocker: Server | undefined;
  afterEach(async () => {
    blocker?.close();
    blocker = undefined;
    await stopAndRemove(controller, p);
  });

  it("a listener other hosts can reach refuses to start while a webhook trigger is unsigned, and refuses unsigned deliveries", async () => {
    p = initializedProject();
    applied(p, "setup.yaml", docs(workspace("ws"), workflow("wf"), keys("k", { v: "secret-one" }), hook("open", "")));
    const refused = cli(["controller", "--foreground", "--webhook-bind", "0.0.0.0:0"], { cwd: p.dir });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/refusing to listen on 0\.0\.0\.0:0, which other hosts can reach, while webhook triggers have no webhook\.secret: trigger\/open \(project default\)/);
    expect(p.run(["controller", "status"]).stdout).toMatch(/no controller running/);

    applied(p, "setup.yaml", docs(workspace("ws"), workflow("wf"), keys("k", { v: "secret-one" }), hook("open", signed("k"))));
    controller = await startController(p.dir, ["--webhook-bind", "0.0.0.0:0"]);
    const base = (await controller.url()).replace("0.0.0.0", "127.0.0.1");
    // A secret-less trigger applied while it runs is refused per delivery.
    applied(p, "late.yaml", hook("late", ""));
    expect(await post(`${base}/webhooks/late`, "{}")).toMatchObject({ status: 401, json: { error: expect.stringMatching(/unsigned deliveries are taken on a loopback listener only/) } });
    expect((await post(`${base}/webhooks/open`, "{}", { "X-Hub-Signature-256": sign("{}", "secret-one") })).status).toBe(202);
    expect(tasks(p)).toHaveLength(1);
  });

  it("none turns it off; an address given that is in use stops the controller; a bad one is a usage error", async () => {
    p = initializedProject();
    controller = await startController(p.dir, ["--webhook-bind", "none"]);
    await until("the controller's first pass", () => /source default/.test(controller!.log()) || controller!.log().length > 0);
    expect(p.run(["controller", "status"]).stdout).toMatch(/not listening for webhooks/);
    await controller.stop();
    controller = undefined;

    blocker = createServer();
    await new Promise<void>((r) => blocker!.listen(0, "127.0.0.1", r));
    const port = (blocker.address() as { port: number }).port;
    const busy = cli(["controller", "--foreground", "--webhook-bind", `127.0.0.1:${port}`], { cwd: p.dir });
    expect(busy.code).toBe(1);
    expect(busy.stderr).toMatch(new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: the address is in use`));
    expect(p.run(["controller", "status"]).stdout).toMatch(/no controller running/);

    expect(cli(["controller", "--foreground", "--webhook-bind", "localhost"], { cwd: p.dir })).toMatchObject({ code: 2, stderr: expect.stringMatching(/is not HOST:PORT/) });
    expect(cli(["controller", "--foreground"], { cwd: p.dir, env: { ORCHESTRATOR_WEBHOOK_BIND: "nope" } })).toMatchObject({ code: 2, stderr: expect.stringMatching(/ORCHESTRATOR_WEBHOOK_BIND: --webhook-bind 'nope'/) });
  });

  it("the default address in use is only a warning: the controller runs its work without a listener", async () => {
    p = initializedProject();
    applied(p, "setup.yaml", docs(workspace("ws"), workflow("wf")));
    // Hold the default address; held by another process already, it is in use all the same.
    const holder = createServer();
    const held = await new Promise<boolean>((resolve, reject) => {
      holder.once("error", (err: NodeJS.ErrnoException) => (err.code === "EADDRINUSE" ? resolve(false) : reject(err)));
      holder.listen(19090, "127.0.0.1", () => resolve(true));
    });
    if (held) blocker = holder;
    controller = await startController(p.dir, [], { ORCHESTRATOR_WEBHOOK_BIND: "" });
    await until("the warning", () => /warning: cannot listen on 127\.0\.0\.1:19090: the address is in use/.test(controller!.log()));
    expect(p.run(["controller", "status"]).stdout).toMatch(/not listening for webhooks/);
    const id = p.run(["task", "create", "--workflow", "wf"]).stdout.trim();
    await until("the task to complete", () => tasks(p).find((t) => t.id === id)?.phase === "Completed");
  });

  it("orchestratord takes --webhook-bind too", async () => {
    p = initializedProject();
    controller = await startControllerCommand(p.dir, [process.execPath, CLI.replace(/main\.js$/, "orchestratord.js"), "--webhook-bind", "127.0.0.1:0"]);
    const res = await fetch(`${await controller.url()}/healthz`);
    expect(res.status).toBe(200);
  });
});
