/**
 * `POST /hooks/sources/<source>`: a real bare git repository is pushed to
 * and the push notification, signed with a SecretStore's value, makes the
 * controller apply the new commit at once, long before the source's
 * interval.
 */
import { createHmac } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { git, isolateGit, makeUpstream, type Upstream } from "../reconcile/git/git-fixture.js";
import { docs, workspace } from "../reconcile/support/manifests.js";
import { initializedProject } from "../support/cli.js";
import { startController, stopAndRemove, until, type RunningController } from "../support/controller.js";

type Project = ReturnType<typeof initializedProject>;

const V2 = "apiVersion: orchestrator.dev/v2";
const hookKeys = `${V2}\nkind: SecretStore\nmetadata:\n  name: push-keys\nspec:\n  data:\n    current: "push-secret-1"\n`;
const sign = (body: string, key: string): string => `sha256=${createHmac("sha256", key).update(body).digest("hex")}`;
const exists = (p: Project, ref: string): boolean => p.run(["get", ref]).code === 0;

async function post(url: string, body: string, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(url, { method: "POST", body, headers: { "content-type": "application/json", ...headers } });
  await res.arrayBuffer();
  return res.status;
}

describe("source push notifications", () => {
  let env: ReturnType<typeof isolateGit>;
  let up: Upstream;
  let p: Project;
  let controller: RunningController | undefined;
  beforeEach(() => {
    env = isolateGit();
    up = makeUpstream(env.root);
  });
  afterEach(async () => {
    await stopAndRemove(controller, p);
    env.restore();
  });

  it("a signed notification reconciles the git source at once; unsigned, wrong or unknown ones do nothing", async () => {
    up.write("manifests/base.yaml", docs(workspace("first"), hookKeys));
    up.commit("first");
    up.push();
    p = initializedProject();
    expect(p.run(["source", "remove", "default"]).code).toBe(0);
    const added = p.run(["source", "add", "repo", "--git", up.bare, "--path", "manifests", "--interval", "1h", "--webhook-secret", "push-keys"]);
    expect(added.code).toBe(0);
    expect(JSON.parse(p.run(["source", "list", "-o", "json"]).stdout).items[0]).toMatchObject({ kind: "Source", metadata: { name: "repo" }, spec: { webhookSecretRef: { name: "push-keys" } } });
    expect(p.run(["source", "status", "repo"]).stdout).toMatch(/Push hook:\s+\/hooks\/sources\/repo \(signed with SecretStore push-keys\)/);
    controller = await startController(p.dir);
    await until("the first commit to be applied", () => exists(p, "workspace/first"));
    const url = `${await controller.url()}/hooks/sources/repo`;

    up.write("manifests/more.yaml", workspace("second"));
    const sha = up.commit("second");
    up.push();
    const body = JSON.stringify({ ref: "refs/heads/main", after: sha });
    expect(await post(url, body)).toBe(401);
    expect(await post(url, body, { "X-Hub-Signature-256": sign(body, "not-the-key") })).toBe(401);
    expect(await post(`${url}-nope`, body, { "X-Hub-Signature-256": sign(body, "push-secret-1") })).toBe(404);
    expect(exists(p, "workspace/second")).toBe(false);

    expect(await post(url, body, { "X-Hub-Signature-256": sign(body, "push-secret-1") })).toBe(202);
    await until("the pushed commit to be applied", () => exists(p, "workspace/second"));
    const status = JSON.parse(p.run(["source", "status", "repo", "-o", "json"]).stdout) as { status: { lastAppliedRevision: string } };
    expect(status.status.lastAppliedRevision).toBe(sha);
    await until("the controller to log the notification", () => /source repo: push notification; reconciling now/.test(controller!.log()));
    expect(git(up.work, "rev-parse", "HEAD")).toBe(sha);
  });

  it("a source without --webhook-secret takes unsigned notifications on a loopback listener, but not from a web page", async () => {
    up.write("manifests/base.yaml", workspace("first"));
    up.commit("first");
    up.push();
    p = initializedProject();
    expect(p.run(["source", "add", "open", "--git", up.bare, "--path", "manifests", "--interval", "1h"]).code).toBe(0);
    controller = await startController(p.dir);
    await until("the first commit to be applied", () => exists(p, "workspace/first"));
    up.write("manifests/more.yaml", workspace("second"));
    up.commit("second");
    up.push();
    const url = `${await controller.url()}/hooks/sources/open`;
    // A cross-origin post from a page in a browser on this machine starts nothing.
    expect(await post(url, "{}", { origin: "https://attacker.example" })).toBe(403);
    await until("the refusal in the controller's log", () => /source open: push notification refused: an unsigned delivery from a web page/.test(controller!.log()));
    expect(exists(p, "workspace/second")).toBe(false);
    expect(await post(url, "{}")).toBe(202);
    await until("the pushed commit to be applied", () => exists(p, "workspace/second"));
  });
});
