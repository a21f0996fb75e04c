/**
 * @module What `source add` and `init` record: a source's settings from
 * command-line input, checked, with paths made relative to the project
 * root (so the state folder can move with the repository).
 */
import { isAbsolute, join, relative, resolve } from "node:path";
import { nameProblem } from "../../resources/schemas/envelope.js";
import { DEFAULT_PROJECT } from "../../resources/types.js";
import type { Home } from "../../store/home.js";
import type { SourceSpec } from "../../store/source-store.js";
import { normalizeRepoPath } from "../git/repo-path.js";

export const DEFAULT_INTERVAL_MS = 60_000;
export const DEFAULT_SOURCE_NAME = "default";

/** The source `init` configures: `manifests/` under the project root. */
export const DEFAULT_SOURCE: SourceSpec = {
  name: DEFAULT_SOURCE_NAME,
  type: "dir",
  dir: "manifests",
  intervalMs: DEFAULT_INTERVAL_MS,
  project: DEFAULT_PROJECT,
  prune: true,
};

/** Where a git source's clone lives: `.orchestrator/sources/<name>`. */
export function cloneDirOf(home: Home, sourceName: string): string {
  return join(home.dir, "sources", sourceName);
}

export class SourceSpecError extends Error {
  override readonly name = "SourceSpecError";
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
/** The shortest interval: a directory source read ten times a second is already a busy loop. */
export const MIN_INTERVAL_MS = 100;

/** `500ms`, `30s`, `5m`, `1h`, `1m30s`; a bare number is seconds. */
export function parseInterval(text: string): number {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Math.round(Number(t) * 1000);
  const parts = [...t.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== t) {
    throw new SourceSpecError(`invalid interval '${text}': use a duration such as 30s, 5m, 1h or 1m30s`);
  }
  const ms = Math.round(parts.reduce((sum, p) => sum + Number(p[1]) * UNIT_MS[p[2]!]!, 0));
  if (ms < MIN_INTERVAL_MS) throw new SourceSpecError(`interval '${text}' is shorter than 100ms; sources are read at most every 100ms`);
  return ms;
}

/** `60000` -> `1m`, `90000` -> `1m30s`. */
export function formatInterval(ms: number): string {
  if (ms % 1000 !== 0) return `${ms}ms`;
  let s = ms / 1000;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  return `${h ? `${h}h` : ""}${m ? `${m}m` : ""}${s || (!h && !m) ? `${s}s` : ""}`;
}

export interface SourceInput {
  name: string;
  dir?: string;
  git?: string;
  ref?: string;
  path?: string;
  interval?: string;
  project?: string;
  prune?: boolean;
  /** SecretStore signing push notifications (`--webhook-secret`). */
  webhookSecret?: string;
}

/** Checks the input and builds the spec; `cwd` resolves `--dir`. */
export function sourceSpecFrom(input: SourceInput, home: Home, cwd: string): SourceSpec {
  const bad = nameProblem(input.name);
  if (bad) throw new SourceSpecError(`source name '${input.name}' ${bad}`);
  if ((input.dir === undefined) === (input.git === undefined)) {
    throw new SourceSpecError("give exactly one of --dir PATH or --git URL");
  }
  if (input.project !== undefined) {
    const p = nameProblem(input.project);
    if (p) throw new SourceSpecError(`project name '${input.project}' ${p}`);
  }
  const common = {
    name: input.name,
    intervalMs: input.interval === undefined ? DEFAULT_INTERVAL_MS : parseInterval(input.interval),
    project: input.project ?? DEFAULT_PROJECT,
    prune: input.prune !== false,
    ...(input.webhookSecret !== undefined ? { webhookSecret: checkedStoreName(input.webhookSecret) } : {}),
  };
  if (input.dir !== undefined) {
    if (input.ref !== undefined || input.path !== undefined) throw new SourceSpecError("--ref and --path apply to --git sources only");
    return { ...common, type: "dir", dir: projectRelative(home, resolve(cwd, input.dir)) };
  }
  const given = input.git!.trim();
  if (given === "" || given.startsWith("-")) throw new SourceSpecError(`invalid git URL '${input.git}'`);
  const url = localRepoUrl(given, cwd);
  if (input.ref !== undefined && (input.ref.trim() === "" || input.ref.startsWith("-"))) throw new SourceSpecError(`invalid ref '${input.ref}'`);
  const spec: SourceSpec = { ...common, type: "git", url };
  if (input.ref !== undefined) spec.ref = input.ref.trim();
  if (input.path !== undefined) {
    try {
      const p = normalizeRepoPath(input.path);
      if (p) spec.path = p;
    } catch (err) {
      throw new SourceSpecError((err as Error).message);
    }
  }
  return spec;
}

function checkedStoreName(name: string): string {
  const bad = nameProblem(name);
  if (bad) throw new SourceSpecError(`--webhook-secret '${name}' ${bad}; give the name of a SecretStore`);
  return name;
}

/**
 * A repository given as a local path is made absolute: git resolves a
 * relative path from where it runs, and the clone runs in `.orchestrator/sources/`.
 * URLs (`https://`, `file://`) and scp-like `host:path` are kept as given.
 */
function localRepoUrl(url: string, cwd: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) || /^[^/\\]+:/.test(url)) return url;
  return isAbsolute(url) ? url : resolve(cwd, url);
}

/** Inside the project root: relative to it; elsewhere: absolute. */
function projectRelative(home: Home, abs: string): string {
  const rel = relative(home.root, abs);
  if (rel === "") return ".";
  return rel.startsWith("..") || isAbsolute(rel) ? abs : rel.split("\\").join("/");
}
