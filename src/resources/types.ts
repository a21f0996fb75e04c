/**
 * @module The resource envelope shared by every kind: what a manifest document
 * becomes once parsed, and what the store keeps.
 */

export const API_VERSION = "orchestrator.dev/v2";

export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };

export type JsonObject = { [key: string]: JsonValue };

export interface Metadata {
  name: string;
  project?: string;
  description?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** A manifest document after parsing: the envelope with an untyped spec. */
export interface Resource {
  apiVersion: string;
  kind: string;
  metadata: Metadata;
  spec: JsonObject;
  /** Written by the engine for Task and Run; never read from a manifest. */
  status?: JsonObject;
}

/** Where a document came from, for messages and for `describe`. */
export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

/** A parsed document with what is needed to point at any of its fields. */
export interface ParsedDocument {
  resource: Resource;
  file: string;
  /** 0-based index of the document within its file. */
  index: number;
  /** Position of the document start. */
  position: SourcePosition;
  /**
   * Position of the node at a path such as ["spec", "steps", 2, "timeout_secs"];
   * for a path that does not exist, where its nearest existing ancestor is
   * named (the `spec:` key for a missing `spec.command`).
   */
  positionOf(path: ReadonlyArray<string | number>): SourcePosition;
}

/** The key a resource is stored under. */
export interface ResourceKey {
  project: string;
  kind: string;
  name: string;
}

export const DEFAULT_PROJECT = "default";
