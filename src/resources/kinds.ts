/**
 * @module The kind registry: built-in kinds, their names on the command line
 * (singular, plural, short), and the order in which a set is applied.
 */

export interface KindInfo {
  kind: string;
  plural: string;
  shortNames: readonly string[];
  /** apiVersion documents of this kind carry. */
  apiVersion: string;
  /**
   * False for the cluster-wide kinds (Project, CustomResourceDefinition):
   * one per name across all projects, stored under project "", never
   * scoped by `--project`. Kinds a CRD defines are always project-scoped.
   */
  projectScoped: boolean;
  /** Apply order: lower first; prune runs in reverse. */
  order: number;
  /** True for kinds defined by a CustomResourceDefinition. */
  custom: boolean;
}

const V2 = "orchestrator.dev/v2";

function builtin(kind: string, plural: string, shortNames: string[], order: number, projectScoped = true): KindInfo {
  return { kind, plural, shortNames, apiVersion: V2, projectScoped, order, custom: false };
}

/** Custom resources sit between Workflow and Trigger in apply order. */
export const CUSTOM_KIND_ORDER = 60;

export const BUILTIN_KINDS: readonly KindInfo[] = [
  builtin("Project", "projects", ["proj"], 0, false),
  builtin("EnvStore", "envstores", ["es"], 10),
  builtin("SecretStore", "secretstores", ["ss", "secret", "secrets"], 11),
  builtin("ExecutionProfile", "executionprofiles", ["ep", "profile", "profiles"], 12),
  builtin("RuntimePolicy", "runtimepolicies", ["rp"], 13),
  builtin("StoreBackendProvider", "storebackendproviders", ["sbp"], 13.5),
  builtin("WorkflowStore", "workflowstores", ["wfs"], 14),
  builtin("CustomResourceDefinition", "customresourcedefinitions", ["crd", "crds"], 15, false),
  builtin("Source", "sources", ["src"], 16, false),
  builtin("StepTemplate", "steptemplates", ["st", "tpl"], 20),
  builtin("Agent", "agents", ["ag"], 30),
  builtin("Workspace", "workspaces", ["ws"], 40),
  builtin("Workflow", "workflows", ["wf"], 50),
  builtin("Trigger", "triggers", ["tr", "trig"], 70),
  builtin("Task", "tasks", ["tk"], 80),
  builtin("Run", "runs", [], 81),
];

export const BUILTIN_KIND_NAMES: readonly string[] = BUILTIN_KINDS.map((k) => k.kind);

/** What a CRD contributes to the registry. */
export interface CustomKindDefinition {
  kind: string;
  plural: string;
  shortNames: readonly string[];
  group: string;
  versions: readonly string[];
}

export class KindRegistry {
  private readonly byAlias = new Map<string, KindInfo>();
  private readonly byKind = new Map<string, KindInfo>();

  constructor(custom: readonly CustomKindDefinition[] = []) {
    for (const k of BUILTIN_KINDS) this.add(k);
    for (const c of custom) {
      // A CRD may declare several versions; documents use group/version.
      for (const v of c.versions.length ? c.versions : ["v1"]) {
        this.add({
          kind: c.kind,
          plural: c.plural,
          shortNames: c.shortNames,
          apiVersion: `${c.group}/${v}`,
          projectScoped: true,
          order: CUSTOM_KIND_ORDER,
          custom: true,
        });
      }
    }
  }

  private add(k: KindInfo): void {
    if (!this.byKind.has(k.kind)) this.byKind.set(k.kind, k);
    for (const alias of [k.kind, k.plural, ...k.shortNames]) {
      this.byAlias.set(alias.toLowerCase(), this.byKind.get(k.kind)!);
    }
  }

  /** `ws`, `Workspaces`, `workspace` -> Workspace; case-insensitive. */
  resolve(name: string): KindInfo | undefined {
    return this.byAlias.get(name.toLowerCase());
  }

  get(kind: string): KindInfo | undefined {
    return this.byKind.get(kind);
  }

  all(): KindInfo[] {
    return [...this.byKind.values()];
  }

  kindNames(): string[] {
    return [...this.byKind.keys()];
  }
}

const CLUSTER_WIDE: ReadonlySet<string> = new Set(BUILTIN_KINDS.filter((k) => !k.projectScoped).map((k) => k.kind));

/** Whether resources of `kind` live inside a project; any kind not declared otherwise does. */
export function isProjectScoped(kind: string): boolean {
  return !CLUSTER_WIDE.has(kind);
}

export function isBuiltinKind(kind: string): boolean {
  return BUILTIN_KIND_NAMES.includes(kind);
}
