/**
 * @module A row of the `sources` table older stores kept (SQLite before
 * migration 16, PostgreSQL before migration 7) as the `Source` resource it
 * becomes: its spec (only what differs from the defaults, as `source add`
 * writes it; the webhook secret as `webhookSecretRef`) and its content
 * hash. Both stores' migrations build it here rather than with today's
 * helpers: an applied migration never changes meaning.
 */
import { createHash } from "node:crypto";
import { formatDuration } from "../resources/duration.js";
import { canonicalJson } from "./canonical.js";

export interface LegacySourceRow {
  name: string;
  type: string;
  dir: string | null;
  url: string | null;
  ref: string | null;
  path: string | null;
  interval_ms: number;
  project: string;
  prune: number;
  webhook_secret?: string | null;
  status: string;
  created_at: string;
  updated_at: string;
}

function specOf(row: LegacySourceRow): Record<string, unknown> {
  const spec: Record<string, unknown> = {};
  if (row.type === "git") {
    spec["url"] = row.url ?? "";
    if (row.ref !== null) spec["ref"] = row.ref;
    if (row.path !== null) spec["path"] = row.path;
  } else spec["dir"] = row.dir ?? "manifests";
  const every = formatDuration(Number(row.interval_ms));
  if (every !== "1m") spec["interval"] = every;
  if (row.project !== "default") spec["project"] = row.project;
  if (Number(row.prune) !== 1) spec["prune"] = false;
  if (row.webhook_secret) spec["webhookSecretRef"] = { name: row.webhook_secret };
  return spec;
}

/** The Source's spec as JSON text and its content hash, as the planner computes it (hashed-content.ts at the time of these migrations). */
export function legacySourceResource(row: LegacySourceRow): { spec: string; hash: string } {
  const spec = specOf(row);
  const content = { apiVersion: "orchestrator.dev/v2", description: null, labels: {}, annotations: {}, spec };
  return { spec: JSON.stringify(spec), hash: createHash("sha256").update(canonicalJson(content), "utf8").digest("hex") };
}
