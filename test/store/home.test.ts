import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findHome, GITIGNORE_ENTRIES, initHome, NoStoreError, requireHome } from "../../src/store/home.js";
import { openStore } from "../../src/store/sqlite/open.js";
import { removeTempDirs, tempDir } from "./helpers.js";

afterAll(removeTempDirs);

describe("findHome", () => {
  it("finds the nearest ancestor that has .orchestrator/, like git finds .git", () => {
    const root = tempDir();
    initHome(root, {});
    const deep = join(root, "a", "b", "c");
    mkdirSync(deep, { recursive: true });
    const home = findHome(deep, {});
    expect(home).toEqual({
      root,
      dir: join(root, ".orchestrator"),
      dbPath: join(root, ".orchestrator", "state.db"),
      keyPath: join(root, ".orchestrator", "secret.key"),
      storeUrlPath: join(root, ".orchestrator", "store-url"),
    });
  });

  it("prefers the nearest of two nested homes", () => {
    const outer = tempDir();
    initHome(outer, {});
    const inner = join(outer, "sub");
    mkdirSync(join(inner, "deeper"), { recursive: true });
    initHome(inner, {});
    expect(findHome(join(inner, "deeper"), {})?.root).toBe(inner);
    expect(findHome(outer, {})?.root).toBe(outer);
  });

  it("ignores a file named .orchestrator", () => {
    const root = tempDir();
    writeFileSync(join(root, ".orchestrator"), "");
    expect(findHome(root, {})).toBeUndefined();
  });

  it("returns undefined when no ancestor has a home", () => {
    expect(findHome(tempDir(), {})).toBeUndefined();
  });

  it("uses ORCHESTRATOR_HOME as the state folder itself; the root is its parent", () => {
    const elsewhere = tempDir();
    const state = join(elsewhere, "state-here");
    initHome(tempDir(), { ORCHESTRATOR_HOME: state });
    const unrelated = tempDir();
    initHome(unrelated, {});
    const home = findHome(unrelated, { ORCHESTRATOR_HOME: state });
    expect(home?.dir).toBe(state);
    expect(home?.root).toBe(elsewhere);
    expect(home?.dbPath).toBe(join(state, "state.db"));
  });

  it("resolves a relative ORCHESTRATOR_HOME against cwd and does not fall back to discovery when it is missing", () => {
    const root = tempDir();
    initHome(root, {});
    expect(findHome(root, { ORCHESTRATOR_HOME: ".orchestrator" })?.dir).toBe(join(root, ".orchestrator"));
    expect(findHome(root, { ORCHESTRATOR_HOME: "nope" })).toBeUndefined();
  });
});

describe("requireHome", () => {
  it("throws NoStoreError telling the user to run init", () => {
    const dir = tempDir();
    expect(() => requireHome(dir, {})).toThrow(NoStoreError);
    expect(() => requireHome(dir, {})).toThrow(
      `no orchestrator store found in ${dir} or any parent directory; run \`orchestrator init\` to create one`,
    );
    expect(() => requireHome(dir, { ORCHESTRATOR_HOME: join(dir, "x") })).toThrow(/ORCHESTRATOR_HOME/);
  });

  it("names the ORCHESTRATOR_HOME folder that has no store, even where the search would find one", () => {
    const root = tempDir();
    initHome(root, {});
    const env = { ORCHESTRATOR_HOME: "/nonexistent/.orchestrator" };
    expect(() => requireHome(root, env)).toThrow(
      "no orchestrator store found at /nonexistent/.orchestrator (set by ORCHESTRATOR_HOME); run `orchestrator init` to create one there, or unset ORCHESTRATOR_HOME",
    );
    const empty = join(root, "empty-home");
    mkdirSync(empty);
    expect(() => requireHome(root, { ORCHESTRATOR_HOME: empty })).toThrow(`${empty} (set by ORCHESTRATOR_HOME) holds no state.db`);
  });

  it("treats a state folder without state.db as no store, and creates nothing", () => {
    const root = tempDir();
    mkdirSync(join(root, ".orchestrator"));
    expect(() => requireHome(root, {})).toThrow(
      `no orchestrator store in ${join(root, ".orchestrator")}: the folder holds no state.db; run \`orchestrator init\` to create one in ${root}`,
    );
    expect(readdirSync(join(root, ".orchestrator"))).toEqual([]);
  });
});

describe("initHome", () => {
  it("creates the folder, its .gitignore, a 0600 32-byte key and the schema", () => {
    const root = tempDir();
    const { home, created } = initHome(root, {});
    expect(created).toBe(true);
    const key = statSync(home.keyPath);
    expect(key.mode & 0o777).toBe(0o600);
    expect(key.size).toBe(32);
    const ignore = readFileSync(join(home.dir, ".gitignore"), "utf8").split("\n");
    for (const e of ["state.db*", "logs/", "status/", "spill/", "sources/", "secret.key", "controller.*"]) {
      expect(ignore).toContain(e);
    }
    const store = openStore(home);
    expect(store.migrations().every((m) => m.appliedAt !== null)).toBe(true);
    expect(store.status().journalMode).toBe("wal");
    store.close();
  });

  it("is idempotent: the key is never overwritten, data survives, created is false", () => {
    const root = tempDir();
    const { home } = initHome(root, {});
    const key = readFileSync(home.keyPath);
    const store = openStore(home);
    store.appendEvent({ type: "marker", message: "kept" });
    store.close();
    const again = initHome(root, {});
    expect(again.created).toBe(false);
    expect(readFileSync(home.keyPath).equals(key)).toBe(true);
    expect(statSync(home.keyPath).mode & 0o777).toBe(0o600);
    const reopened = openStore(home);
    expect(reopened.listEvents({ type: "marker" })).toHaveLength(1);
    reopened.close();
  });

  it("keeps a user's .gitignore lines and appends only the missing entries", () => {
    const root = tempDir();
    const dir = join(root, ".orchestrator");
    mkdirSync(dir);
    writeFileSync(join(dir, ".gitignore"), "mine\nlogs/");
    initHome(root, {});
    initHome(root, {});
    const lines = readFileSync(join(dir, ".gitignore"), "utf8").split("\n").filter(Boolean);
    expect(lines[0]).toBe("mine");
    for (const e of GITIGNORE_ENTRIES) expect(lines.filter((l) => l === e)).toHaveLength(1);
  });

  it("creates the home where ORCHESTRATOR_HOME points", () => {
    const state = join(tempDir(), "custom");
    const { home } = initHome(tempDir(), { ORCHESTRATOR_HOME: state });
    expect(home.dir).toBe(state);
    expect(statSync(home.dbPath).isFile()).toBe(true);
  });
});
