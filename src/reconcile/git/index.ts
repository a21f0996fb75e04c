/**
 * @module Git sources: following a remote (`fetchGitSource`), reading
 * manifests at a commit without a checkout (`readTreeAtCommit`), and
 * checking out the commit that was applied (`checkoutCommit`).
 */
export { checkedOutCommit, checkoutCommit, fetchGitSource, type GitSourceOptions, type GitSourceRevision } from "./fetch-source.js";
export { pathExistsAtCommit, readTreeAtCommit, readTreeBlobs, resolveCommit, type TreeBlob, type TreeFile } from "./read-tree.js";
export { GitFetchError, GitPathError, GitRefError, GitSourceError, redactCredentials, redactUrl } from "./errors.js";
export { DEFAULT_GIT_TIMEOUT_MS } from "./client.js";
