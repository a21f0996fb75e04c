/**
 * @module What `source add` and `init` record: a source's settings from
 * command-line input, checked, with paths made relative to the project
 * root (so the state folder can move with the repository).
 */
import { isAbsolute, join, relative, resolve } from "node:path";
import { DurationError, formatDuration, parseDuration } from "../../resources/duration.js";
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

/** The shortest interval: a directory source read ten times a second is already a busy loop. */
export const MIN_INTERVAL_MS = 100;

/** `500ms`, `30s`, `5m`, `1h`, `1m30s`; a bare number is seconds. */
export function parseInterval(text: string): number {
  try {
    return parseDuration(text, "interval", { bareUnit: "s", minMs: MIN_INTERVAL_MS });
  } catch (err) {
    if (err instanceof DurationError) throw new SourceSpecError(err.message.replace(/is shorter than 100ms$/, "is shorter than 100ms; sources are read at most every 100ms"));
    throw err;
  }
}

/** `60000` -> `1m`, `90000` -> `1m30s`. */
export const formatInterval = formatDuration;

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

/** A Source's url as git is given it: a relative local path in a manifest is relative to the project root. */
export function resolveSourceUrl(home: Home, url: string): string {
  // Blank or option-like: left for the fetch to refuse as it is.
  if (url.trim() === "" || url.trim().startsWith("-")) return url;
  return localRepoUrl(url.trim(), home.root);
}

/** Inside the project root: relative to it; elsewhere: absolute. */
function projectRelative(home: Home, abs: string): string {
  const rel = relative(home.root, abs);
  if (rel === "") return ".";
  return rel.startsWith("..") || isAbsolute(rel) ? abs : rel.split("\\").join("/");
}
