/**
 * @module Incremental building of the desired set. Each file is parsed and
 * each of its documents validated once per content hash: a pass after one
 * edit in a large tree re-parses one file. Checks across documents
 * (duplicates, names CRDs claim) still run over the whole set on every pass, and validation is
 * redone when the set of CustomResourceDefinitions changes.
 */
import type { Diagnostic } from "../resources/diagnostics.js";
import { parseManifestText, withPositions, type ParseResult } from "../resources/parse.js";
import { parseFiles } from "../resources/parse-pool.js";
import { validateOffThread } from "./validate-pool.js";
import type { ParsedDocument, Resource } from "../resources/types.js";
import { crdNameConflicts } from "../resources/crd-names.js";
import { duplicateDiagnostics, validateDocuments } from "../resources/validate.js";
import { crdFingerprint, CRD_KIND } from "./crd-fingerprint.js";
import { assignProjects } from "./projects.js";
import { textDigest } from "./digest.js";
import type { DesiredResource } from "./plan.js";

/** A manifest file as read: `file` is the path shown in messages. */
export interface SourceFile {
  file: string;
  text: string;
  /** sha256 of `text`, when the reader already computed it. */
  digest?: string;
}

export interface DesiredSet {
  documents: ParsedDocument[];
  diagnostics: Diagnostic[];
}

export interface BuildOptions {
  /** `--project`: the project for documents that name none. */
  project?: string;
  /** CRDs already in the store, so instances of their kinds validate. */
  storedCrds?: readonly Resource[];
}

interface FileEntry {
  digest: string;
  documents: ParsedDocument[];
  parseDiagnostics: Diagnostic[];
  projectDiagnostics: Diagnostic[];
  /** Per-document validation, valid for one set of CRDs. */
  validation?: { crdKey: string; diagnostics: Diagnostic[] };
}

export interface CacheOptions {
  /**
   * Parse and validate changed files on a worker thread (validate-pool.ts),
   * in `prime`: the controller's event loop runs steps meanwhile.
   */
  offThread?: boolean;
}

export class DesiredSetCache {
  private entries = new Map<string, FileEntry>();
  private project: string | undefined;
  /** Keys and content hashes of documents of cached files (see prepareDesired). */
  readonly prepared = new WeakMap<ParsedDocument, DesiredResource>();

  constructor(private readonly options: CacheOptions = {}) {}

  /**
   * Parses the files the cache does not hold yet, several at once on a
   * large cold set (parse-pool.ts), so that `build` finds them parsed.
   */
  async prime(files: readonly SourceFile[], opts: BuildOptions = {}): Promise<void> {
    this.useProject(opts.project);
    const todo = files
      .map((f) => ({ f, digest: f.digest ?? textDigest(f.text) }))
      .filter(({ f, digest }) => this.entries.get(f.file)?.digest !== digest);
    if (todo.length === 0) return;
    if (this.options.offThread) return this.primeOffThread(files, new Set(todo.map(({ f }) => f.file)), opts);
    const parsed = await parseFiles(todo.map(({ f }) => f));
    todo.forEach(({ f, digest }, i) => this.entries.set(f.file, fileEntry(parsed[i]!, digest, opts.project)));
  }

  /**
   * Parses and validates `changed` files on a worker, so that `build` finds
   * them validated. Should they change the set's CRDs, every file is
   * validated again there too.
   */
  private async primeOffThread(files: readonly SourceFile[], changed: ReadonlySet<string>, opts: BuildOptions): Promise<void> {
    const storedCrds = [...(opts.storedCrds ?? [])];
    const job = (send: (f: SourceFile) => boolean) => ({
      project: opts.project,
      storedCrds,
      files: files.map((f) =>
        send(f) ? { file: f.file, text: f.text } : { file: f.file, crds: (this.entries.get(f.file)?.documents ?? []).filter((d) => d.resource.kind === CRD_KIND).map((d) => d.resource) },
      ),
    });
    let results = await validateOffThread(job((f) => changed.has(f.file)));
    // The changed files changed the set's CRDs: the other files are validated again, on the worker too.
    const crdKey = results[0]?.crdKey;
    const stale = new Set(files.filter((f) => !changed.has(f.file) && this.entries.get(f.file)?.validation?.crdKey !== crdKey).map((f) => f.file));
    if (stale.size > 0) results = await validateOffThread(job((f) => changed.has(f.file) || stale.has(f.file)));
    const byFile = new Map(results.map((r) => [r.file, r]));
    for (const f of files) {
      const r = byFile.get(f.file);
      if (!r) continue;
      const entry = fileEntry(withPositions(f.text, f.file, r.data), f.digest ?? textDigest(f.text), opts.project);
      entry.validation = { crdKey: r.crdKey, diagnostics: r.diagnostics };
      this.entries.set(f.file, entry);
    }
  }

  /** Files are given in the order their documents apply (sorted by path). */
  build(files: readonly SourceFile[], opts: BuildOptions = {}, initial: readonly Diagnostic[] = []): DesiredSet {
    this.useProject(opts.project);
    const next = new Map<string, FileEntry>();
    for (const f of files) {
      const digest = f.digest ?? textDigest(f.text);
      const cached = this.entries.get(f.file);
      next.set(f.file, cached && cached.digest === digest ? cached : parseFile(f, digest, opts.project));
    }
    this.entries = next;

    const entries = [...next.values()];
    const documents = entries.flatMap((e) => e.documents);
    const crds = [...(opts.storedCrds ?? []), ...documents.filter((d) => d.resource.kind === CRD_KIND).map((d) => d.resource)];
    const crdKey = crdFingerprint(crds);
    for (const e of entries) {
      if (e.validation?.crdKey !== crdKey) {
        e.validation = { crdKey, diagnostics: e.documents.flatMap((d) => validateDocuments([d], { storedCrds: crds })) };
      }
    }
    // Same order as validating the set at once: reading, parsing, projects, documents, duplicates.
    const diagnostics: Diagnostic[] = [
      ...initial,
      ...entries.flatMap((e) => e.parseDiagnostics),
      ...entries.flatMap((e) => e.projectDiagnostics),
      ...entries.flatMap((e) => e.validation!.diagnostics),
      ...duplicateDiagnostics(documents),
      ...crdNameConflicts(documents, opts.storedCrds ?? []),
    ];
    return { documents, diagnostics };
  }

  private useProject(project: string | undefined): void {
    if (project === this.project) return;
    // Documents carry the project they were placed in: another --project means parsing again.
    this.entries.clear();
    this.project = project;
  }

  /** Number of files held; for tests and benchmarks. */
  get size(): number {
    return this.entries.size;
  }
}

function parseFile(f: SourceFile, digest: string, project: string | undefined): FileEntry {
  return fileEntry(parseManifestText(f.text, f.file), digest, project);
}

function fileEntry(parsed: ParseResult, digest: string, project: string | undefined): FileEntry {
  return {
    digest,
    documents: parsed.documents,
    parseDiagnostics: parsed.diagnostics,
    projectDiagnostics: assignProjects(parsed.documents, project),
  };
}
