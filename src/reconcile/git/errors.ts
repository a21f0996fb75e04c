/**
 * @module Typed failures of git sources, and the redaction that keeps
 * credentials embedded in a remote URL out of every message.
 */

/** Base of every git source failure; `url` is already redacted. */
export class GitSourceError extends Error {
  override name = "GitSourceError";
  constructor(
    message: string,
    readonly url?: string,
  ) {
    super(message);
  }
}

/** The remote could not be cloned or fetched (unreachable, refused, not a repository). */
export class GitFetchError extends GitSourceError {
  override name = "GitFetchError";
  constructor(
    url: string,
    /** What git said, redacted. */
    readonly gitMessage: string,
  ) {
    super(`cannot fetch ${url}: ${gitMessage || "git failed without a message"}`, url);
  }
}

/** A branch, tag or commit that the repository does not have. */
export class GitRefError extends GitSourceError {
  override name = "GitRefError";
  constructor(
    readonly ref: string,
    message: string,
    url?: string,
  ) {
    super(message, url);
  }
}

/** A path that is not inside the repository, or that the commit does not have. */
export class GitPathError extends GitSourceError {
  override name = "GitPathError";
  constructor(
    readonly path: string,
    message: string,
    url?: string,
  ) {
    super(message, url);
  }
}

export { redactUrl } from "../../resources/redact.js";

/**
 * Removes the credentials of `url` from text git printed: any `scheme://user@`
 * prefix, and the user-info itself wherever it appears (encoded or not).
 */
export function redactCredentials(text: string, url: string): string {
  let out = text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^@/\s'"]*@/gi, "$1***@");
  const userInfo = /^[a-z][a-z0-9+.-]*:\/\/([^@/?#]*)@/i.exec(url)?.[1];
  if (userInfo) {
    const forms = new Set([userInfo, ...userInfo.split(":")]);
    try {
      for (const f of [...forms]) forms.add(decodeURIComponent(f));
    } catch {
      // A malformed %-escape: the raw forms are still removed.
    }
    for (const secret of forms) {
      // Very short pieces (a one-letter user name) would mangle ordinary words.
      if (secret.length >= 4) out = out.split(secret).join("***");
    }
  }
  return out;
}
