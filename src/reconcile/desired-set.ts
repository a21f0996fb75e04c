/**
 * @module Loading the desired set: read files, parse them with positions,
 * place each document in its project and validate the whole set at once.
 */
import type { Diagnostic } from "../resources/diagnostics.js";
import { loadManifestPaths, type ManifestFile } from "../resources/load.js";
import { parseManifestText } from "../resources/parse.js";
import type { ParsedDocument, Resource } from "../resources/types.js";
import { DEFAULT_PROJECT } from "../resources/types.js";
import { validateDocuments } from "../resources/validate.js";
import { formatPath } from "../resources/diagnostics.js";

export interface DesiredSet {
  documents: ParsedDocument[];
  diagnostics: Diagnostic[];
}

export interface DesiredSetOptions {
  /** `--project`: the project for documents that name none. */
  project?: string;
  /** CRDs already in the store, so instances of their kinds validate. */
  storedCrds?: Resource[];
}

export function loadDesiredSet(paths: readonly string[], cwd: string, opts: DesiredSetOptions = {}): DesiredSet {
  const loaded = loadManifestPaths(paths, cwd);
  return parseDesiredFiles(loaded.files, opts, loaded.diagnostics);
}

/** Parses and validates already-read files (directories, git trees, stdin). */
export function parseDesiredFiles(files: readonly ManifestFile[] | readonly { file: string; text: string }[], opts: DesiredSetOptions = {}, initial: Diagnostic[] = []): DesiredSet {
  const documents: ParsedDocument[] = [];
  const diagnostics: Diagnostic[] = [...initial];
  for (const f of files) {
    const parsed = parseManifestText(f.text, f.file);
    documents.push(...parsed.documents);
    diagnostics.push(...parsed.diagnostics);
  }
  diagnostics.push(...assignProjects(documents, opts.project));
  diagnostics.push(...validateDocuments(documents, { storedCrds: opts.storedCrds ?? [] }));
  return { documents, diagnostics };
}

/**
 * Every document ends up with `metadata.project` set (except Project itself,
 * which is not inside a project). A document naming another project than
 * `--project` is an error, as kubectl does for namespaces.
 */
function assignProjects(documents: ParsedDocument[], flagProject: string | undefined): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const doc of documents) {
    const r = doc.resource;
    if (!r.metadata || typeof r.metadata !== "object") continue;
    if (r.kind === "Project") continue;
    const own = r.metadata.project;
    if (own !== undefined && typeof own !== "string") continue; // schema reports it
    if (own && flagProject && own !== flagProject) {
      const path = ["metadata", "project"];
      out.push({
        severity: "error",
        code: "schema",
        message: `document is in project '${own}' but --project ${flagProject} was given`,
        resource: `${String(r.kind).toLowerCase()}/${r.metadata.name}`,
        path: formatPath(path),
        position: doc.positionOf(path),
        hint: `drop --project, or change metadata.project to '${flagProject}'`,
      });
      continue;
    }
    r.metadata.project = own || flagProject || DEFAULT_PROJECT;
  }
  return out;
}
