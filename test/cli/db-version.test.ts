import { afterEach, describe, expect, it } from "vitest";
import { existsSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cli, initializedProject, tempProject } from "../support/cli.js";

describe("orchestrator init", () => {
  it("creates .orchestrator with a .gitignore, the store and a 0600 key; is idempotent", () => {
    const t = tempProject();
    try {
      const r = cli(["init"], { cwd: t.dir });
      expect(r.code).toBe(0);
      expect(existsSync(join(t.dir, ".orchestrator/state.db"))).toBe(true);
      expect(readFileSync(join(t.dir, ".orchestrator/.gitignore"), "utf8")).toMatch(/state\.db/);
      const key = readdirKey(join(t.dir, ".orchestrator"));
      expect(statSync(key).mode & 0o777).toBe(0o600);
      const keyBytes = readFileSync(key);
      expect(cli(["init"], { cwd: t.dir }).code).toBe(0);
      expect(readFileSync(key).equals(keyBytes)).toBe(true);
    } finally {
      t.cleanup();
    }
  });

  it("is found from a nested directory, and ORCHESTRATOR_HOME overrides", () => {
    const t = tempProject({ "deep/er/x.txt": "" });
    const other = tempProject();
    try {
      cli(["init"], { cwd: t.dir });
      cli(["init"], { cwd: other.dir });
      cli(["apply", "-f", "-"], { cwd: other.dir, input: "apiVersion: orchestrator.dev/v2\nkind: Agent\nmetadata:\n  name: elsewhere\nspec:\n  capabilities: [x]\n  command: echo\n" });
      expect(cli(["get", "agents", "-o", "name"], { cwd: join(t.dir, "deep/er") }).stdout).toBe("");
      expect(cli(["get", "agents", "-o", "name"], { cwd: join(t.dir, "deep/er"), env: { ORCHESTRATOR_HOME: join(other.dir, ".orchestrator") } }).stdout).toBe("agent/elsewhere\n");
    } finally {
      t.cleanup();
      other.cleanup();
    }
  });
});

function readdirKey(dir: string): string {
  const p = join(dir, "secret.key");
  if (!existsSync(p)) throw new Error("no key file at " + p);
  return p;
}

describe("orchestrator db and version", () => {
  let p: ReturnType<typeof initializedProject>;
  afterEach(() => p?.cleanup());

  it("db status reports WAL mode and counts", () => {
    p = initializedProject();
    const s = JSON.parse(p.run(["db", "status", "-o", "json"]).stdout);
    expect(s.journalMode).toBe("wal");
    expect(s.pending).toBe(0);
    expect(s.schemaVersion).toBe(s.latestVersion);
    expect(p.run(["db", "status"]).stdout).toMatch(/Schema version:/);
  });

  it("db migrations list shows every migration as applied", () => {
    p = initializedProject();
    const ms = JSON.parse(p.run(["db", "migrations", "list", "-o", "json"]).stdout).items;
    expect(ms.length).toBeGreaterThan(0);
    expect(ms.every((m: { appliedAt: string | null }) => m.appliedAt)).toBe(true);
    expect(p.run(["db", "migrations", "list"]).stdout).toMatch(/^VERSION\s+NAME\s+APPLIED/);
  });

  it("version prints text and JSON; --version, version --client -o json, and --json as the old spelling of -o json", () => {
    p = initializedProject();
    expect(p.run(["version"]).stdout).toMatch(/^orchestrator \d+\.\d+\.\d+/);
    expect(p.run(["--version"])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^orchestrator \d+\.\d+\.\d+\n$/) });
    const client = JSON.parse(p.run(["version", "--client", "-o", "json"]).stdout);
    expect(client).toMatchObject({ apiVersion: "orchestrator.dev/v2", kind: "Version", clientVersion: { version: expect.stringMatching(/^\d+\.\d+\.\d+$/), apiVersion: "orchestrator.dev/v2" } });
    expect(JSON.parse(p.run(["version", "--json"]).stdout)).toEqual(client);
    expect(p.run(["version", "-o", "jsonpath={.clientVersion.version}"]).stdout).toBe(client.clientVersion.version);
    // Without a store too.
    expect(cli(["version", "--client", "-o", "yaml"], { cwd: tmpdir() }).stdout).toMatch(/^apiVersion: orchestrator.dev\/v2\nkind: Version\nclientVersion:\n/);
  });
});
