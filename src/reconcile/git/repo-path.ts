/**
 * @module A path inside a repository as given by a user (`./manifests/`),
 * made canonical (`manifests`) and kept from escaping the repository.
 */
import { GitPathError } from "./errors.js";

/** `""` means the whole tree. */
export function normalizeRepoPath(path: string): string {
  const trimmed = path.trim();
  if (trimmed.startsWith("/") || /^[a-zA-Z]:[\\/]/.test(trimmed)) {
    throw new GitPathError(path, `path '${path}' must be relative to the repository root, not absolute`);
  }
  const segments = trimmed.split(/[\\/]+/).filter((s) => s !== "" && s !== ".");
  if (segments.includes("..")) {
    throw new GitPathError(path, `path '${path}' leaves the repository ('..' is not allowed)`);
  }
  return segments.join("/");
}
