import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CLI, initializedProject, REPO_ROOT } from "../support/cli.js";
import { startController, tail, until } from "../support/controller.js";

const agent = (name: string, command: string) =>
  `apiVersion: orchestrator.dev/v2\nkind: Agent\nmetadata:\n  name: ${name}\nspec:\n  capabilities: [x]\n  command: ${command}\n`;
const desired = Array.from({ length: 20 }, (_, i) => agent(`s${i}`, `echo desired ${i}`)).join("---\n");

function run(script: string, args: string[], cwd: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, "test/fixtures/gitops", script), ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("exit", (code) => resolve({ code, out, err }));
  });
}

describe("concurrent appliers and a reconciling controller", () => {
  let p: ReturnType<typeof initializedProject>;
  afterEach(() => p?.cleanup());

  it("never shows a user a busy/locked error, and ends exactly at the desired set", async () => {
    p = initializedProject({ "manifests/s.yaml": desired });
    // The controller passes over manifests/ every 100 ms.
    expect(p.run(["source", "remove", "default"]).code).toBe(0);
    expect(p.run(["source", "add", "default", "--dir", "manifests", "--interval", "100ms"]).code).toBe(0);
    // Each applier changes source resources by hand (drift) and creates resources of its own,
    // some of them the same for every applier (creates racing each other).
    for (let a = 0; a < 4; a++) {
      const drift = Array.from({ length: 5 }, (_, i) => agent(`s${a * 5 + i}`, `echo drifted by ${a}`));
      const own = Array.from({ length: 5 }, (_, i) => agent(`own-${a}-${i}`, `echo own ${a}`));
      const shared = Array.from({ length: 3 }, (_, i) => agent(`shared-${i}`, `echo shared`));
      p.write(`hand-${a}.yaml`, [...drift, ...own, ...shared].join("---\n"));
    }
    const controller = await startController(p.dir);
    const passes = (): number => controller.log().split("source default: ReconciliationSucceeded").length - 1;
    let appliers: Awaited<ReturnType<typeof run>>[];
    const stop = join(p.dir, "stop-appliers");
    try {
      const running = Promise.all([0, 1, 2, 3].map((a) => run("applier.mjs", [CLI, p.dir, `hand-${a}.yaml`, stop], p.dir)));
      // The appliers keep going until the controller has passed (and put drift back) many times beside them.
      await until("twenty source passes beside the appliers", () => passes() > 20, 120_000, undefined, () => `${passes()} passes; controller log: ${tail(controller.log())}`);
      writeFileSync(stop, "");
      appliers = await running;
    } finally {
      writeFileSync(stop, "");
      expect(await controller.stop()).toBe(0);
    }

    for (const r of appliers) {
      expect(r.err).toBe("");
      expect(r.code).toBe(0);
      const a = JSON.parse(r.out) as { runs: number; failures: unknown[] };
      expect(a.failures).toEqual([]);
      expect(a.runs).toBeGreaterThan(2);
    }
    const log = controller.log();
    expect(log).not.toMatch(/busy|locked|error/i);
    // The controller put back the drift the appliers caused.
    expect(p.run(["event", "list", "--type", "drift_corrected", "--limit", "5", "-o", "json"]).stdout).toContain("drift_corrected");

    // One more pass once everybody stopped: the source's resources are exactly the desired ones.
    expect(p.run(["sync"]).code).toBe(0);
    const agents = JSON.parse(p.run(["get", "agents", "-o", "json"]).stdout).items as { metadata: { name: string; appliedBy: string }; spec: { command: string } }[];
    const byName = new Map(agents.map((x) => [x.metadata.name, x]));
    for (let i = 0; i < 20; i++) {
      expect(byName.get(`s${i}`)).toMatchObject({ metadata: { appliedBy: "source:default" }, spec: { command: `echo desired ${i}` } });
    }
    expect(agents.filter((x) => x.metadata.name.startsWith("own-"))).toHaveLength(20);
    expect(agents.filter((x) => x.metadata.name.startsWith("shared-"))).toHaveLength(3);
    expect(agents).toHaveLength(43);
  }, 240_000);
});
