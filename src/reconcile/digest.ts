/**
 * @module Content digests of manifest files and of a whole directory: the
 * revision of a directory source, and the key that lets an unchanged file
 * skip parsing and validation.
 */
import { createHash } from "node:crypto";

/** sha256 of a text, hex. */
export function textDigest(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/**
 * `sha256:<hex>` over every file's path and content digest, in the order
 * given (callers pass files sorted by path): a rename is a new revision too.
 */
export function filesRevision(files: readonly { file: string; digest: string }[]): string {
  const h = createHash("sha256");
  for (const f of files) h.update(`${f.file}\u0000${f.digest}\n`, "utf8");
  return `sha256:${h.digest("hex")}`;
}

/** A short form for messages: `sha256:1a2b3c4d5e6f`, or 12 digits of a commit. */
export function shortRevision(revision: string): string {
  const colon = revision.indexOf(":");
  return colon < 0 ? revision.slice(0, 12) : revision.slice(0, colon + 13);
}
