/**
 * Sources as configuration: the Source kind applied like any resource,
 * bootstrapping itself, suspended and resumed, its tree, and a controller
 * that follows Sources applied from git.
 */
import { execFileSync } from "node:child_process";
import Database from "better-sqlite3";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { initializedProject } from "../support/cli.js";
import { startController, tail, until } from "../support/controller.js";
import { migrate } from "../../src/store/sqlite/migrate.js";
import { MIGRATIONS } from "../../src/store/sqlite/migrations.js";

const agent = (name: string): string => `apiVersion: orchestrator.dev/v2\nkind: Agent\nmetadata:\n  name: ${name}\nspec:\n  capabilities: [x]\n  command: echo hi\n`;
const source = (name: string, spec: string): string => `apiVersion: orchestrator.dev/v2\nkind: Source\nmetadata:\n  name: ${name}\nspec:\n${spec}`;

describe("the Source kind", () => {
  let p: ReturnType<typeof initializedProject>;
  afterEach(() => p?.cleanup());

  it("source add --export prints the manifest; applying it adds the source that sync then follows", () => {
    p = initializedProject({ "team/a.yaml": agent("a") });
    const exported = p.run(["source", "add", "team", "--dir", "team", "--interval", "30s", "--project", "team-a", "--export"]);
    expect(exported).toMatchObject({ code: 0, stderr: "" });
    expect(exported.stdout).toBe("apiVersion: orchestrator.dev/v2\nkind: Source\nmetadata:\n  name: team\nspec:\n  dir: team\n  interval: 30s\n  project: team-a\n");
    // Nothing was written.
    expect(p.run(["source", "list", "-o", "name"]).stdout).toBe("source/default\n");
    p.write("sources/team.yaml", exported.stdout);
    expect(p.run(["apply", "-f", "sources/team.yaml"]).stdout).toBe("source/team created\n");
    expect(p.run(["source", "list", "-o", "name"]).stdout).toBe("source/default\nsource/team\n");
    expect(p.run(["sync", "team"]).code).toBe(0);
    expect(p.run(["get", "agents", "--project", "team-a", "-o", "name"]).stdout).toBe("agent/a\n");
    // get, get -o yaml and apply back: unchanged, no warning.
    const yaml = p.run(["get", "source", "team", "-o", "yaml"]).stdout;
    expect(yaml).toMatch(/status:\n(.|\n)*lastAppliedRevision: sha256:/);
    expect(p.run(["apply", "-f", "-"], { input: yaml })).toEqual({ code: 0, stdout: "source/team unchanged\n", stderr: "" });
  });

  it("refuses a Source that names neither or both of dir and url, or unknown fields; takes the SecretStore that signs its push notifications", () => {
    p = initializedProject();
    const bad = p.run(["apply", "-f", "-"], { input: [source("a", "  interval: 5m\n"), source("b", "  dir: x\n  url: https://e.com/r.git\n"), source("c", "  dir: x\n  branch: main\n"), source("d", "  url: https://e.com/r.git\n  interval: soon\n")].join("---\n") });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("source/a: spec: a Source needs dir (a directory) or url (a git remote)");
    expect(bad.stderr).toContain("source/b: spec.url: give dir or url, not both");
    expect(bad.stderr).toMatch(/source\/c: spec.branch: unknown field 'branch'; did you mean 'ref'\?/);
    expect(bad.stderr).toMatch(/source\/d: spec.interval: invalid interval 'soon'/);
    expect(p.run(["source", "list", "-o", "name"]).stdout).toBe("source/default\n");
    expect(p.run(["apply", "-f", "-"], { input: source("e", "  dir: x\n  webhookSecretRef: {name: hooks}\n") })).toMatchObject({ code: 0, stdout: "source/e created\n" });
    expect(p.run(["source", "status", "e"]).stdout).toMatch(/Push hook:\s+\/hooks\/sources\/e \(signed with SecretStore hooks\)/);
  });

  it("never shows the credentials of a git url: get, describe, list, export and diff print ***, apply refuses the placeholder, --export refuses them", () => {
    p = initializedProject();
    const token = "s3cret-t0ken";
    expect(p.run(["source", "add", "cred", "--git", `https://user:${token}@example.com/r.git`]).code).toBe(0);
    const outputs = [
      p.run(["get", "source", "cred", "-o", "yaml"]),
      p.run(["describe", "source/cred"]),
      p.run(["source", "list", "-o", "json"]),
      p.run(["source", "status", "cred"]),
      p.run(["manifest", "export"]),
      p.run(["event", "list", "-o", "json"]),
    ];
    for (const r of outputs) expect(r.stdout + r.stderr).not.toContain(token);
    expect(outputs[0]!.stdout).toContain("url: https://***@example.com/r.git\n");
    expect(outputs[4]!.stderr).toContain("note: source/cred: the credentials in its url are printed as ***");
    expect(p.run(["manifest", "export", "--include-secrets"]).stdout).toContain(`url: https://user:${token}@example.com/r.git`);
    // Applying get's output back would replace the credentials with the placeholder: refused.
    const back = p.run(["apply", "-f", "-"], { input: outputs[0]!.stdout });
    expect(back.code).toBe(1);
    expect(back.stderr).toContain("spec.url: the url's credentials are ***, the placeholder get prints in place of them");
    // New credentials alone are a change, shown without either value.
    p.write("cred.yaml", source("cred", "  url: https://user:other-t0ken@example.com/r.git\n"));
    const diff = p.run(["diff", "-f", "cred.yaml"]);
    expect(diff.code).toBe(1);
    expect(diff.stdout).toContain("+  url: https://***@example.com/r.git <redacted, changed>");
    expect(diff.stdout + diff.stderr).not.toMatch(/s3cret-t0ken|other-t0ken/);
    expect(p.run(["source", "add", "c2", "--git", `https://user:${token}@example.com/r.git`, "--export"])).toMatchObject({ code: 2, stdout: "", stderr: expect.stringContaining("carries credentials") });
  });

  it("bootstraps: the default source adopts a Source in manifests/ that describes manifests/, follows its edits, and lets go of it (never prunes itself) when it is removed", () => {
    p = initializedProject({ "manifests/a.yaml": agent("a"), "manifests/source.yaml": source("default", "  dir: manifests\n") });
    const first = p.run(["sync"]);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain("source/default configured (adopted from cli)");
    expect(p.run(["get", "source", "default", "-o", "jsonpath={.metadata.appliedBy}"]).stdout).toBe("source:default");
    // An edit in git is an edit of the source.
    p.write("manifests/source.yaml", source("default", "  dir: manifests\n  interval: 5m\n"));
    expect(p.run(["sync"]).code).toBe(0);
    expect(p.run(["source", "list", "-o", "custom-columns=NAME:.metadata.name,INTERVAL:.spec.interval", "--no-headers"]).stdout).toBe("default   5m\n");
    // Removed from the directory: released to cli, the source stays.
    rmSync(join(p.dir, "manifests/source.yaml"));
    const released = p.run(["sync"]);
    expect(released.code).toBe(0);
    expect(released.stdout).toContain("source/default released");
    expect(p.run(["get", "source", "default", "-o", "jsonpath={.metadata.appliedBy}"]).stdout).toBe("cli");
    expect(p.run(["get", "agents", "-o", "name"]).stdout).toBe("agent/a\n");
  });

  it("suspend stops sync and reconcile until resume; spec.suspend only its manifest lifts", () => {
    p = initializedProject({ "manifests/a.yaml": agent("a") });
    expect(p.run(["source", "suspend", "default"])).toMatchObject({ code: 0, stdout: expect.stringContaining("source default suspended") });
    expect(p.run(["source", "suspend", "default"]).stdout).toContain("was already suspended");
    // Every source: skipped, said so, not a failure.
    const all = p.run(["sync"]);
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/source default: suspended by .* resumes it/);
    expect(p.run(["get", "agents", "-o", "name"]).stdout).toBe("");
    // Named: an error, as flux reconcile says of a suspended object.
    expect(p.run(["sync", "default"])).toMatchObject({ code: 1, stderr: expect.stringContaining("source default is suspended") });
    expect(p.run(["reconcile", "default"])).toMatchObject({ code: 1, stderr: expect.stringContaining("source default is suspended") });
    expect(p.run(["source", "list", "-o", "jsonpath={.items[0].status.suspended.by}"]).stdout).not.toBe("");
    expect(p.run(["event", "list", "--type", "source_suspended", "-o", "name"]).stdout).toMatch(/^event\/\d+\n$/);
    expect(p.run(["source", "resume", "default"]).code).toBe(0);
    expect(p.run(["sync", "default"]).code).toBe(0);
    expect(p.run(["get", "agents", "-o", "name"]).stdout).toBe("agent/a\n");

    p.write("sources/held.yaml", source("held", "  dir: manifests\n  suspend: true\n"));
    expect(p.run(["apply", "-f", "sources/held.yaml"]).code).toBe(0);
    expect(p.run(["source", "list", "-o", "custom-columns=NAME:.metadata.name,SUSPENDED:.spec.suspend"]).stdout).toMatch(/held\s+true/);
    expect(p.run(["source", "resume", "held"])).toMatchObject({ code: 1, stderr: expect.stringContaining("suspended by its manifest (spec.suspend: true)") });
  });

  it("source tree shows the inventory, and what each Source in it applied in turn, as flux tree", () => {
    p = initializedProject({
      "manifests/a.yaml": agent("a"),
      "manifests/child.yaml": source("child", "  dir: child\n  project: kids\n"),
      "child/b.yaml": agent("b"),
    });
    expect(p.run(["sync", "default"]).code).toBe(0);
    expect(p.run(["sync", "child"]).code).toBe(0);
    expect(p.run(["source", "tree", "default"]).stdout).toBe(["Source/default", "├── Source/child", "│   └── Agent/kids/b", "└── Agent/default/a", ""].join("\n"));
    // As flux users also ask for it: get source NAME -o tree.
    expect(p.run(["get", "source", "default", "-o", "tree"]).stdout).toBe(p.run(["source", "tree", "default"]).stdout);
    expect(p.run(["get", "agents", "-o", "tree"])).toMatchObject({ code: 2, stderr: expect.stringContaining("-o tree shows a source's inventory") });
    const json = JSON.parse(p.run(["source", "tree", "default", "-o", "json"]).stdout);
    expect(json).toEqual({
      apiVersion: "orchestrator.dev/v2",
      kind: "SourceTree",
      source: "default",
      resources: [
        { kind: "Source", project: "", name: "child", adopted: false, resources: [{ kind: "Agent", project: "kids", name: "b", adopted: false }] },
        { kind: "Agent", project: "default", name: "a", adopted: false },
      ],
    });
    // The parent prunes the child source it no longer declares; the child's inventory goes with it, its resources stay.
    rmSync(join(p.dir, "manifests/child.yaml"));
    expect(p.run(["sync", "default"]).stdout).toContain("source/child pruned");
    expect(p.run(["source", "list", "-o", "name"]).stdout).toBe("source/default\n");
    expect(p.run(["get", "agents", "--project", "kids", "-o", "name"]).stdout).toBe("agent/b\n");
    expect(p.run(["source", "tree", "nope"])).toMatchObject({ code: 1, stderr: expect.stringContaining("no source named 'nope'") });
  });

  it("delete source/NAME removes the source and its inventory, so another source may then take its resources", () => {
    p = initializedProject({ "team/a.yaml": agent("a") });
    expect(p.run(["source", "add", "one", "--dir", "team"]).code).toBe(0);
    expect(p.run(["sync", "one"]).code).toBe(0);
    expect(p.run(["source", "add", "two", "--dir", "team"]).code).toBe(0);
    expect(p.run(["sync", "two"])).toMatchObject({ code: 1, stderr: expect.stringContaining("one") });
    expect(p.run(["delete", "source/one", "--force"]).stdout).toBe("source/one deleted\n");
    expect(p.run(["sync", "two"]).code).toBe(0);
    expect(p.run(["get", "agent", "a", "-o", "jsonpath={.metadata.appliedBy}"]).stdout).toBe("source:two");
  });

  it("a store made before sources were resources migrates on first use: its sources are Source resources, exported and applied back unchanged", () => {
    p = initializedProject({ "team/a.yaml": agent("a") });
    // The store as an older version left it: sources in a table of their own.
    const path = join(p.dir, ".orchestrator/state.db");
    rmSync(path);
    for (const f of ["state.db-wal", "state.db-shm"]) rmSync(join(p.dir, ".orchestrator", f), { force: true });
    const db = new Database(path);
    const m = MIGRATIONS.find((x) => x.name === "source-resources")!;
    migrate(db, path, MIGRATIONS.filter((x) => x.version < m.version));
    const insert = db.prepare(
      "INSERT INTO sources (name, type, dir, url, ref, path, interval_ms, project, prune, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '{}', '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z')",
    );
    insert.run("default", "dir", "manifests", null, null, null, 60_000, "default", 1);
    insert.run("team", "dir", "team", null, null, null, 300_000, "team-a", 0);
    db.close();

    const listed = p.run(["source", "list", "-o", "custom-columns=NAME:.metadata.name,DIR:.spec.dir,INTERVAL:.spec.interval,PRUNE:.spec.prune", "--no-headers"]).stdout;
    expect(listed.split("\n").map((l) => l.split(/\s+/).join(" "))).toEqual(["default manifests <none> <none>", "team team 5m false", ""]);
    expect(p.run(["sync", "team"]).code).toBe(0);
    expect(p.run(["get", "agents", "--project", "team-a", "-o", "name"]).stdout).toBe("agent/a\n");
    const exported = p.run(["manifest", "export"]).stdout;
    expect(exported).toContain("kind: Source\nmetadata:\n  name: team\nspec:\n  dir: team\n  interval: 5m\n  project: team-a\n  prune: false\n");
    const back = p.run(["apply", "-f", "-"], { input: exported });
    expect(back.stderr).toBe("");
    expect(back.stdout).toMatch(/^source\/default unchanged\nsource\/team unchanged\n/);
  });

  it("a controller follows a Source applied from a git source, and its suspension", async () => {
    p = initializedProject();
    const repo = join(p.dir, "upstream");
    mkdirSync(join(repo, "deploy"), { recursive: true });
    writeFileSync(join(repo, "deploy/a.yaml"), agent("from-git"));
    const git = (...args: string[]): string => execFileSync("git", ["-C", repo, ...args], { encoding: "utf8", env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@e", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@e" } });
    git("init", "-q", "-b", "main");
    git("add", ".");
    git("commit", "-qm", "one");
    // An hour between passes: after the first, only a resume or a request starts one.
    p.write("manifests/remote.yaml", source("remote", "  url: upstream\n  ref: main\n  path: deploy\n  interval: 1h\n"));
    const controller = await startController(p.dir);
    try {
      await until("the git source's agent", () => p.run(["get", "agents", "-o", "name"]).stdout === "agent/from-git\n", undefined, undefined, () => `agents ${JSON.stringify(p.run(["get", "agents", "-o", "name"]).stdout)}; source status ${tail(p.run(["source", "status", "remote", "-o", "json"]).stdout)}; controller log: ${tail(controller.log())}`);
      expect(p.run(["source", "suspend", "remote"]).code).toBe(0);
      writeFileSync(join(repo, "deploy/b.yaml"), agent("second"));
      git("add", ".");
      git("commit", "-qm", "two");
      // The controller is asked and refuses: nothing of the new commit while suspended.
      expect(p.run(["reconcile", "remote"])).toMatchObject({ code: 1, stderr: expect.stringContaining("source remote is suspended") });
      expect(p.run(["get", "agents", "-o", "name"]).stdout).toBe("agent/from-git\n");
      // Resuming makes it due at once.
      expect(p.run(["source", "resume", "remote"]).code).toBe(0);
      await until("the second commit", () => p.run(["get", "agents", "-o", "name"]).stdout === "agent/from-git\nagent/second\n", undefined, undefined, () => `agents ${JSON.stringify(p.run(["get", "agents", "-o", "name"]).stdout)}; source status ${tail(p.run(["source", "status", "remote", "-o", "json"]).stdout)}; controller log: ${tail(controller.log())}`);
    } finally {
      await controller.stop();
    }
  });
});
