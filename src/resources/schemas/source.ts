/**
 * @module Source spec: where desired state comes from, as Flux's
 * GitRepository and Kustomization say it together: a directory (`dir`) or a
 * git remote (`url`, `ref`, `path`), read again every `interval`, applied
 * into `project`, with `prune` and `suspend`. Every field changes what is
 * applied, so unknown fields are errors.
 */
import { DurationError, parseDuration } from "../duration.js";
import { hasRedactedUserinfo, REDACTED_USERINFO } from "../redact.js";
import { nameProblem } from "./envelope.js";
import { object, type KindSpec, type SchemaObject, type SpecIssue } from "./common.js";

/** The shortest interval: a directory source read ten times a second is already a busy loop. */
export const SOURCE_MIN_INTERVAL_MS = 100;
export const SOURCE_DEFAULT_INTERVAL = "1m";

const text = (description: string): SchemaObject => ({ type: "string", minLength: 1, description });
const flag = (description: string): SchemaObject => ({ type: "boolean", description });

const schema = object(
  {
    dir: text("A directory of manifests, relative to the project root (the directory that holds .orchestrator/) or absolute. Give dir or url."),
    url: text("A git remote: https://, ssh://, file://, scp-like host:path, or a local path (relative to the project root). Give dir or url."),
    ref: text("With url: the branch, tag or commit to follow; the remote's default branch when absent."),
    path: text("With url: the directory inside the repository to read; the whole tree when absent."),
    interval: text("How often the source is read again (a git remote fetched), e.g. 30s, 5m, 1h; at least 100ms. Default 1m."),
    project: text("Project for documents that name none. Default: default."),
    prune: flag("Delete what this source applied and no longer contains. Default true."),
    suspend: flag("Stop reconciling this source (nothing is fetched, applied or pruned) until it is false again. Default false."),
    webhookSecretRef: object(
      { name: text("The SecretStore's name (in the source's project, else the default project).") },
      { required: ["name"], description: "A SecretStore whose values sign push notifications for this source (POST /hooks/sources/NAME on the controller's webhook listener, as source add --webhook-secret sets it)." },
    ),
  },
  { misplaced: { branch: "ref", repository: "url", repo: "url", directory: "dir", suspended: "suspend" }, description: "Where desired state comes from: a directory or a git remote." },
);

export const source: KindSpec = {
  schema,
  strict: true,
  check(spec) {
    const issues: SpecIssue[] = [];
    const has = (k: string): boolean => spec[k] !== undefined;
    if (has("dir") === has("url")) {
      issues.push({ path: has("dir") ? ["url"] : [], message: has("dir") ? "give dir or url, not both" : "a Source needs dir (a directory) or url (a git remote)", hint: "dir: manifests, or url: https://example.com/org/repo.git" });
    }
    if (has("dir")) for (const k of ["ref", "path"]) if (has(k)) issues.push({ path: [k], message: `${k} applies to git sources (url) only` });
    const interval = spec["interval"];
    if (typeof interval === "string") {
      try {
        parseDuration(interval, "interval", { minMs: SOURCE_MIN_INTERVAL_MS });
      } catch (err) {
        if (err instanceof DurationError) issues.push({ path: ["interval"], message: err.message });
        else throw err;
      }
    }
    // `get -o yaml` prints `***@` in place of a url's credentials; applying that back would replace them with it.
    if (typeof spec["url"] === "string" && hasRedactedUserinfo(spec["url"])) {
      issues.push({
        path: ["url"],
        message: `the url's credentials are ${REDACTED_USERINFO}, the placeholder get prints in place of them; applying it would replace them with the placeholder`,
        hint: "give the real url (manifest export --include-secrets prints it), or let git find the credentials (a credential helper, GIT_ASKPASS or an ssh key)",
      });
    }
    for (const k of ["url", "ref"]) {
      const v = spec[k];
      if (typeof v === "string" && (v.trim() === "" || v.trim().startsWith("-"))) issues.push({ path: [k], message: `invalid ${k} '${v}': it must not be blank or start with '-'` });
    }
    const path = spec["path"];
    if (typeof path === "string") {
      if (path.trim().startsWith("/") || /^[a-zA-Z]:[\\/]/.test(path.trim())) issues.push({ path: ["path"], message: `path '${path}' must be relative to the repository root, not absolute` });
      else if (path.split(/[\\/]+/).includes("..")) issues.push({ path: ["path"], message: `path '${path}' leaves the repository ('..' is not allowed)` });
    }
    for (const [k, p] of [["project", ["project"]], ["webhookSecretRef", ["webhookSecretRef", "name"]]] as const) {
      const v = k === "project" ? spec[k] : (spec[k] as Record<string, unknown> | undefined)?.["name"];
      const bad = typeof v === "string" ? nameProblem(v) : undefined;
      if (bad) issues.push({ path: [...p], message: `name '${String(v)}' ${bad}` });
    }
    return issues;
  },
};
