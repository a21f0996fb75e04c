/**
 * @module Git sources: following a remote (`fetchGitSource`) and reading
 * manifests at a commit without a checkout (`readTreeAtCommit`).
 */
export { fetchGitSource, type GitSourceOptions, type GitSourceRevision } from "./fetch-source.js";
export { readTreeAtCommit, resolveCommit, type TreeFile } from "./read-tree.js";
export { GitFetchError, GitPathError, GitRefError, GitSourceError, redactCredentials, redactUrl } from "./errors.js";
export { DEFAULT_GIT_TIMEOUT_MS } from "./client.js";
