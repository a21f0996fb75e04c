/**
 * @module A throw-away project for reconcile tests: a temp root with an
 * initialised `.orchestrator`, a real SQLite store, and helpers to write
 * manifests and add sources.
 */
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { initHome, type Home } from "../../../src/store/home.js";
import { sourceStoreOf, type SourceRecord, type SourceSpec, type SourceStore } from "../../../src/store/source-store.js";
import { openStore } from "../../../src/store/sqlite/open.js";
import type { Store } from "../../../src/store/store.js";

export interface TestProject {
  root: string;
  home: Home;
  store: Store;
  sources: SourceStore;
  write(rel: string, text: string): string;
  remove(rel: string): void;
  addDirSource(name: string, dir: string, extra?: Partial<SourceSpec>): SourceRecord;
  source(name: string): SourceRecord;
  cleanup(): void;
}

export function testProject(): TestProject {
  const root = mkdtempSync(join(tmpdir(), "orch-gitops-"));
  const { home } = initHome(root, {});
  const store = openStore(home);
  const sources = sourceStoreOf(store);
  return {
    root,
    home,
    store,
    sources,
    write(rel, text) {
      const p = join(root, rel);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, text);
      return p;
    },
    remove(rel) {
      unlinkSync(join(root, rel));
    },
    addDirSource(name, dir, extra = {}) {
      return sources.addSource({ name, type: "dir", dir, intervalMs: 60_000, project: "default", prune: true, ...extra });
    },
    source(name) {
      const s = sources.getSource(name);
      if (!s) throw new Error(`no source ${name}`);
      return s;
    },
    cleanup() {
      store.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
