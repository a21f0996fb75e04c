/**
 * A shared store's password never leaves the home's `store-url` file (mode
 * 0600) and the controller's own environment: init, db status, controller
 * status, a connection error and the controller's log show the URL without
 * it, and a step's environment holds neither the URL nor PGPASSWORD.
 */
import { chmodSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { docs, workflow, workspace } from "../reconcile/support/manifests.js";
import { cli, tempProject } from "../support/cli.js";
import { startController, tail, until, type RunningController } from "../support/controller.js";
import { postgresUnavailable, startPostgres, type PostgresServer } from "../support/postgres.js";

const PASSWORD = "pw-9f3b2c7e";
const PGPASSWORD = "pgpw-41d8a0";

describe.skipIf(postgresUnavailable !== undefined)("a shared store's URL and password", () => {
  let server: PostgresServer;
  let project: ReturnType<typeof tempProject> | undefined;
  let controller: RunningController | undefined;

  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(() => server?.stop());
  afterEach(async () => {
    await controller?.stop();
    controller = undefined;
    project?.cleanup();
    project = undefined;
  });

  /** The server trusts loopback, so any password connects: what matters is where it shows. */
  const withPassword = (url: string): string => url.replace("orchestrator@", `orchestrator:${PASSWORD}@`);

  it("is never printed by init, db status, controller status, a connection error, the controller or a step", async () => {
    const url = withPassword(server.createDatabase());
    project = tempProject({ "m.yaml": docs(workspace("ws"), workflow("wf", "env; echo step-done")) });
    const env = { PGPASSWORD };
    const run = (args: readonly string[], extra: Record<string, string> = {}) => cli(args, { cwd: project!.dir, env: { ...env, ...extra } });
    const outputs: string[] = [];
    const keep = (r: { code: number; stdout: string; stderr: string }) => {
      outputs.push(r.stdout, r.stderr);
      return r;
    };

    const init = keep(run(["init", "--store", url]));
    expect(init.code).toBe(0);
    expect(init.stdout).toMatch(/\(store: postgres:\/\/orchestrator@127\.0\.0\.1:\d+\/\w+\)/);
    const urlFile = join(project.dir, ".orchestrator", "store-url");
    expect(statSync(urlFile).mode & 0o777).toBe(0o600);

    expect(keep(run(["apply", "-f", "m.yaml"])).code).toBe(0);
    const status = keep(run(["db", "status"]));
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/Store: +postgres:\/\/orchestrator@127\.0\.0\.1:\d+\//);
    expect(keep(run(["db", "status", "-o", "json"])).code).toBe(0);

    // A step run in the foreground, with the URL in the environment as well: its environment holds neither.
    const step = keep(run(["run", "--workflow", "wf"], { ORCHESTRATOR_STORE_URL: url }));
    expect(step.code).toBe(0);
    expect(step.stdout).toContain("step-done");
    expect(step.stdout).not.toContain("ORCHESTRATOR_STORE_URL=");
    expect(step.stdout).not.toContain("PGPASSWORD=");

    controller = await startController(project.dir, ["--workers", "1"], env);
    const ctl = keep(run(["controller", "status"]));
    expect(ctl.stdout).toMatch(/controllers on this store: 1/);
    keep(run(["controller", "status", "-o", "json"]));
    const created = keep(run(["task", "create", "--workflow", "wf", "-o", "json"]));
    const id = (JSON.parse(created.stdout) as { id: string }).id;
    await until("the controller's task to complete", () => run(["task", "info", id, "-o", "json"]).stdout.includes('"Completed"'), undefined, undefined, () => {
      const task = (JSON.parse(run(["task", "info", id, "-o", "json"]).stdout) as { task: { phase: string; message: string | null } }).task;
      return `phase ${task.phase}, message ${JSON.stringify(task.message)}; controller log: ${tail(controller!.log())}`;
    });
    const logs = keep(run(["task", "logs", id]));
    expect(logs.stdout).toContain("step-done");
    expect(logs.stdout).not.toContain("PGPASSWORD=");

    // A database that does not exist: the error names the store without the password, and no stack.
    const broken = keep(run(["get", "agents"], { ORCHESTRATOR_STORE_URL: url.replace(/\/\w+$/, "/nosuchdb") }));
    expect(broken.code).not.toBe(0);
    expect(broken.stderr).toMatch(/cannot connect to the store at postgres:\/\/orchestrator@127\.0\.0\.1:\d+\/nosuchdb/);
    expect(broken.stderr).not.toMatch(/\n\s+at /);

    outputs.push(controller.log());
    for (const text of outputs) {
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(PGPASSWORD);
    }
  }, 180_000);

  it("a server that asks for the password gets it from PGPASSWORD or ~/.pgpass (PGPASSFILE), with no warning printed", async () => {
    const secured = await startPostgres({ password: PASSWORD });
    try {
      const url = secured.createDatabase();
      project = tempProject();
      const passfile = project.write("pgpass", `127.0.0.1:*:*:orchestrator:${PASSWORD}\n`);
      chmodSync(passfile, 0o600);
      const run = (args: readonly string[], env: Record<string, string | undefined>) => cli(args, { cwd: project!.dir, env: { PGPASSWORD: undefined, PGPASSFILE: join(project!.dir, "none"), ...env } });

      const none = run(["init", "--store", url], {});
      expect(none.code).toBe(1);
      expect(none.stderr).toMatch(/^error: cannot connect to the store at postgres:\/\/orchestrator@127\.0\.0\.1:\d+\/\w+: the server asks for a password and none was given: put it in ~\/\.pgpass \(or PGPASSFILE\), PGPASSWORD or the URL\n$/);

      const fromFile = run(["init", "--store", url], { PGPASSFILE: passfile });
      expect({ code: fromFile.code, stderr: fromFile.stderr }).toEqual({ code: 0, stderr: "" });
      const fromEnv = run(["db", "status"], { PGPASSWORD: PASSWORD });
      expect({ code: fromEnv.code, stderr: fromEnv.stderr }).toEqual({ code: 0, stderr: "" });
      expect(fromEnv.stdout).toMatch(/Store: +postgres:\/\/orchestrator@127\.0\.0\.1:\d+\//);
    } finally {
      secured.stop();
    }
  }, 120_000);
});
