/**
 * docs/several-controllers.md, followed through the CLI: an empty
 * PostgreSQL database, a first home made with `init --store`, two more given
 * its secret.key (and one without it refused, changing nothing), three
 * controllers started with `orchestratord`, `controller status` listing all
 * three from any home, and tasks created from one home run by all of them.
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { docs, workflow, workspace } from "../reconcile/support/manifests.js";
import { cli, tempProject, type CliResult } from "../support/cli.js";
import { ORCHESTRATORD, startControllerCommand, until, type RunningController } from "../support/controller.js";
import { postgresUnavailable, startPostgres, type PostgresServer } from "../support/postgres.js";

interface Home {
  dir: string;
  run(args: readonly string[]): CliResult;
  cleanup(): void;
}

describe.skipIf(postgresUnavailable !== undefined)("running several controllers, as the docs page goes", () => {
  let server: PostgresServer;
  let homes: Home[] = [];
  let controllers: RunningController[] = [];

  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(() => server?.stop());
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === "fail") for (const c of controllers) process.stderr.write(`--- controller ${c.child.pid}\n${c.log().slice(-3000)}\n`);
    await Promise.all(controllers.map((c) => c.stop()));
    controllers = [];
    for (const h of homes) h.cleanup();
    homes = [];
  });

  const newHome = (): Home => {
    const p = tempProject();
    const home = { dir: p.dir, run: (args: readonly string[]) => cli(args, { cwd: p.dir }), cleanup: p.cleanup };
    homes.push(home);
    return home;
  };

  it("goes from an empty database to three controllers sharing the work", async () => {
    const url = server.createDatabase();
    const a = newHome();
    const first = a.run(["init", "--store", url]);
    expect(first.stderr).toBe("");
    expect(first.stdout).toMatch(/^initialized store in \.orchestrator \(store: postgres:\/\/orchestrator@127\.0\.0\.1:\d+\/\w+\)\n/);
    expect(existsSync(join(a.dir, ".orchestrator", "state.db"))).toBe(false);

    // A home without the store's key is refused and left without a store-url.
    const keyless = newHome();
    const refused = keyless.run(["init", "--store", url]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/already holds secrets sealed with another home's key; copy secret\.key/);
    expect(existsSync(join(keyless.dir, ".orchestrator", "store-url"))).toBe(false);

    const others = [newHome(), newHome()];
    for (const h of others) {
      mkdirSync(join(h.dir, ".orchestrator"));
      copyFileSync(join(a.dir, ".orchestrator", "secret.key"), join(h.dir, ".orchestrator", "secret.key"));
      chmodSync(join(h.dir, ".orchestrator", "secret.key"), 0o600);
      const init = h.run(["init", "--store", url]);
      expect(init.code).toBe(0);
      expect(init.stdout).toMatch(/^store already initialized in \.orchestrator \(store: postgres:/);
    }

    const applied = cli(["apply", "-f", "-", "--no-daemon"], { cwd: a.dir, input: docs(workspace("ws"), workflow("wf", "sleep 0.3; echo done-$ORCHESTRATOR_RUN_ID")) });
    expect(applied.code).toBe(0);
    // Configuration applied on one host is seen by every other.
    expect(others[1]!.run(["get", "workflows", "-o", "name"]).stdout).toBe("workflow/wf\n");

    for (const h of [a, ...others]) controllers.push(await startControllerCommand(h.dir, [ORCHESTRATORD, "--workers", "1"]));
    const status = others[0]!.run(["controller", "status"]);
    expect(status.stdout).toMatch(/controllers on this store: 3\nHOST +PID +ROLE +WORKERS +LEASES +LAST HEARTBEAT +STARTED\n/);
    for (const c of controllers) expect(status.stdout).toMatch(new RegExp(`\\n\\S+ +${c.child.pid} +controller +1 +\\d+ +\\d{4}-`));

    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push((JSON.parse(a.run(["task", "create", "--workflow", "wf", "--name", `job-${i}`, "-o", "json"]).stdout) as { id: string }).id);
    let phases: string[] = [];
    await until(
      "every task to complete",
      () => {
        phases = (JSON.parse(a.run(["task", "list", "-o", "json"]).stdout) as { items: Array<{ phase: string }> }).items.map((t) => t.phase);
        return phases.length === 12 && phases.every((p) => p === "Completed");
      },
      120_000,
      // A task created once runs once: a second task for one `task create` is a failure at once.
      () => (phases.includes("Failed") || phases.length > 12) && `tasks: ${phases.join(", ")}`,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; phases: ${phases.join(", ")}`);
    });
    // Every host ran some of them: each keeps the logs of the steps it ran.
    for (const h of [a, ...others]) expect(readdirSync(join(h.dir, ".orchestrator", "logs")).length).toBeGreaterThan(0);
    // And any host shows any task's log.
    for (const id of ids) expect(others[1]!.run(["task", "logs", id]).stdout).toMatch(/done-r-/);
  }, 600_000);
});
