/**
 * @module Placing documents in projects: every document ends up with
 * `metadata.project` set; the cluster-wide kinds (Project,
 * CustomResourceDefinition) get "", whatever the document or --project says.
 */
import { formatPath, type Diagnostic } from "../resources/diagnostics.js";
import { isProjectScoped } from "../resources/kinds.js";
import { DEFAULT_PROJECT, type ParsedDocument } from "../resources/types.js";

/** A document naming another project than `--project` is an error, as kubectl does for namespaces. */
export function assignProjects(documents: readonly ParsedDocument[], flagProject: string | undefined): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const doc of documents) {
    const r = doc.resource;
    if (!r.metadata || typeof r.metadata !== "object") continue;
    if (!isProjectScoped(r.kind)) {
      // A copy, so validation still sees what the document itself says (and warns about it).
      r.metadata = { ...r.metadata, project: "" };
      continue;
    }
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
