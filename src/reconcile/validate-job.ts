/**
 * @module Parsing and validating the changed files of a desired set as one
 * job, as plain data in and out, so that it can run on a worker thread
 * (validate-pool.ts): the controller's event loop, which runs steps, never
 * waits on a large file or an expression that runs to its budget.
 */
import type { Diagnostic } from "../resources/diagnostics.js";
import { parseManifestData, withPositions, type ParsedData } from "../resources/parse.js";
import type { ParsedDocument, Resource } from "../resources/types.js";
import { validateDocuments } from "../resources/validate.js";
import { crdFingerprint, CRD_KIND } from "./crd-fingerprint.js";
import { assignProjects } from "./projects.js";

export interface ValidateJob {
  /** Every file of the set, in order: the changed ones with their text, the others with the CRDs they hold. */
  files: Array<{ file: string; text: string } | { file: string; crds: Resource[] }>;
  project: string | undefined;
  storedCrds: Resource[];
}

export interface ValidatedFile {
  file: string;
  /** As parsed, before documents were placed in projects (the caller places them again). */
  data: ParsedData;
  /** Per-document validation against the set's CRDs (`crdKey`). */
  diagnostics: Diagnostic[];
  crdKey: string;
}

export function runValidateJob(job: ValidateJob): ValidatedFile[] {
  const parsed = job.files.map((f) => ("text" in f ? { file: f.file, text: f.text, data: parseManifestData(f.text, f.file) } : undefined));
  // The data goes back as parsed: placing documents in projects changes them.
  const pristine = parsed.map((p) => (p ? structuredClone(p.data) : undefined));
  const documents: Array<ParsedDocument[] | undefined> = parsed.map((p) => (p ? withPositions(p.text, p.file, p.data).documents : undefined));
  for (const docs of documents) if (docs) assignProjects(docs, job.project);
  const crds = [
    ...job.storedCrds,
    ...job.files.flatMap((f, i) => ("crds" in f ? f.crds : documents[i]!.filter((d) => d.resource.kind === CRD_KIND).map((d) => d.resource))),
  ];
  const crdKey = crdFingerprint(crds);
  const out: ValidatedFile[] = [];
  parsed.forEach((p, i) => {
    if (!p) return;
    const diagnostics = documents[i]!.flatMap((d) => validateDocuments([d], { storedCrds: crds }));
    out.push({ file: p.file, data: pristine[i]!, diagnostics, crdKey });
  });
  return out;
}
