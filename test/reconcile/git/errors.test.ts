import { describe, expect, it } from "vitest";
import { GitFetchError, redactCredentials, redactUrl } from "../../../src/reconcile/git/index.js";

describe("redactUrl", () => {
  it("hides user:password and token user-info, keeps the rest", () => {
    expect(redactUrl("https://alice:pa55word@git.example.com/org/repo.git")).toBe("https://***@git.example.com/org/repo.git");
    expect(redactUrl("https://ghp_abcdef123456@github.com/o/r")).toBe("https://***@github.com/o/r");
    expect(redactUrl("ssh://git@host:22/o/r.git")).toBe("ssh://***@host:22/o/r.git");
  });

  it("leaves URLs without credentials and scp-style addresses alone", () => {
    expect(redactUrl("https://github.com/o/r.git")).toBe("https://github.com/o/r.git");
    expect(redactUrl("git@github.com:o/r.git")).toBe("git@github.com:o/r.git");
    expect(redactUrl("/srv/git/repo.git")).toBe("/srv/git/repo.git");
    // An @ in the path is not user-info.
    expect(redactUrl("https://host/o/r@v1")).toBe("https://host/o/r@v1");
  });
});

describe("redactCredentials", () => {
  const url = "https://alice:pa%24%24word@git.example.com/o/r.git";

  it("removes the credentials wherever git echoed them, encoded or decoded", () => {
    const said =
      "fatal: unable to access 'https://alice:pa%24%24word@git.example.com/o/r.git/': 403\n" +
      "remote: user alice with password pa$$word denied";
    const out = redactCredentials(said, url);
    expect(out).not.toContain("pa%24%24word");
    expect(out).not.toContain("pa$$word");
    expect(out).not.toContain("alice");
    expect(out).toContain("https://***@git.example.com/o/r.git/");
  });

  it("GitFetchError names the redacted URL and what git said", () => {
    const e = new GitFetchError(redactUrl(url), redactCredentials("fatal: nope", url));
    expect(e.message).toBe("cannot fetch https://***@git.example.com/o/r.git: fatal: nope");
  });
});
