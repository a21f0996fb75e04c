/**
 * @module The part of a resource that a diff compares, and its stable YAML
 * rendering: envelope keys in manifest order (apiVersion, kind, metadata,
 * spec), fields within spec in the order they were written.
 */
import { stringify } from "yaml";
import type { JsonObject, Resource } from "../../resources/types.js";

/**
 * What a user writes, normalised so that equivalent forms compare equal
 * (as the planner decides `unchanged`): no status, no store bookkeeping,
 * empty labels/annotations and a missing description dropped, and the
 * project taken from the resource's key on both sides.
 */
export function comparableEnvelope(r: Resource, project: string): JsonObject {
  const m = r.metadata;
  const metadata: JsonObject = { name: m.name };
  if (project !== "") metadata.project = project;
  if (m.description !== undefined && m.description !== null) metadata.description = m.description;
  if (m.labels && Object.keys(m.labels).length > 0) metadata.labels = { ...m.labels };
  if (m.annotations && Object.keys(m.annotations).length > 0) metadata.annotations = { ...m.annotations };
  return { apiVersion: r.apiVersion, kind: r.kind, metadata, spec: r.spec };
}

/** Block style, no line folding (a folded prompt would turn one edit into many lines), no anchors. */
export function renderEnvelopeYaml(envelope: JsonObject | undefined): string {
  if (envelope === undefined) return "";
  return stringify(envelope, { lineWidth: 0, aliasDuplicateObjects: false });
}
