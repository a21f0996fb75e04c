/**
 * @module What shell completion offers from the store: kinds (with the ones
 * CustomResourceDefinitions add), resource names, projects, sources, tasks
 * and capabilities. Read synchronously (the completion library calls its
 * handlers synchronously), from the store of the current directory; with no
 * store there is nothing to offer and nothing is created.
 */
import { registryWith } from "../../resources/crd-kinds.js";
import { KindRegistry, type KindInfo } from "../../resources/kinds.js";
import { DEFAULT_PROJECT } from "../../resources/types.js";
import { findHome, storeExists } from "../../store/home-location.js";
import { secretKeyStoreOf } from "../../store/secret-key-store.js";
import { sourceStoreOf } from "../../store/source-store.js";
import { openStore } from "../../store/open.js";
import type { Store } from "../../store/store.js";
import { openTaskStore } from "../../store/task-store.js";

export interface Candidate {
  value: string;
  description: string;
}

/** Opens the store on first use and closes it when completion is done. */
export class CompletionStore {
  private store: Store | undefined | null = null;

  private open(): Store | undefined {
    if (this.store === null) {
      const home = findHome(process.cwd(), process.env);
      this.store = home && storeExists(home) ? openStore(home) : undefined;
    }
    return this.store;
  }

  close(): void {
    this.store?.close();
    this.store = undefined;
  }

  /** Reads `fn` from the store; a store that cannot be read offers nothing rather than an error in the shell. */
  private read<T>(fn: (s: Store) => T, fallback: T): T {
    try {
      const s = this.open();
      return s ? fn(s) : fallback;
    } catch {
      return fallback;
    }
  }

  registry(): KindRegistry {
    return this.read((s) => registryWith(s.listResources({ kind: "CustomResourceDefinition", allProjects: true })), new KindRegistry());
  }

  /** Every kind once, by its lowercase singular name. */
  kinds(): Candidate[] {
    return this.registry().all().map((k) => ({ value: k.kind.toLowerCase(), description: k.custom ? `custom kind (${k.apiVersion})` : kindDescription(k) }));
  }

  names(kind: KindInfo, project: string | undefined, allProjects = false): Candidate[] {
    return this.read((s) => {
      if (kind.kind === "Project") return s.listProjects().map((p) => ({ value: p, description: "project" }));
      const filter = allProjects ? { kind: kind.kind, allProjects: true } : { kind: kind.kind, project: kind.projectScoped ? (project ?? DEFAULT_PROJECT) : "" };
      return s.listResources(filter).map((r) => ({ value: r.metadata.name, description: r.metadata.description ?? "" }));
    }, []);
  }

  projects(): Candidate[] {
    return this.read((s) => s.listProjects().map((p) => ({ value: p, description: "project" })), []);
  }

  sources(): Candidate[] {
    return this.read((s) => sourceStoreOf(s).listSources().map((x) => ({ value: x.name, description: x.type === "git" ? `git ${x.url ?? ""}` : `dir ${x.dir ?? ""}` })), []);
  }

  /** Task names (and ids for tasks whose name is not unique), newest last. */
  tasks(project: string | undefined): Candidate[] {
    return this.read((s) => {
      const all = openTaskStore(s).listTasks(project ? { project } : {});
      const counts = new Map<string, number>();
      for (const t of all) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
      return all.map((t) => ({ value: counts.get(t.name) === 1 && t.name ? t.name : t.id, description: `${t.phase} ${t.workflow ?? ""}`.trim() }));
    }, []);
  }

  /** The keyring's keys that could be revoked (not active, not revoked). */
  secretKeys(): Candidate[] {
    return this.read((s) => secretKeyStoreOf(s).listKeys().filter((k) => k.state === "retired" || k.state === "pending").map((k) => ({ value: k.id, description: `${k.state} key, ${k.values} value(s)` })), []);
  }

  /** Capabilities the project's agents (else the default project's) offer. */
  capabilities(project: string | undefined): Candidate[] {
    return this.read((s) => {
      const caps = new Set<string>();
      for (const a of s.listResources({ kind: "Agent", project: project ?? DEFAULT_PROJECT })) {
        const list = (a.spec as { capabilities?: unknown }).capabilities;
        if (Array.isArray(list)) for (const c of list) if (typeof c === "string") caps.add(c);
      }
      return [...caps].sort().map((c) => ({ value: c, description: "agent capability" }));
    }, []);
  }
}

function kindDescription(k: KindInfo): string {
  const aliases = [k.plural, ...k.shortNames].join(", ");
  return aliases ? `also ${aliases}` : "";
}
