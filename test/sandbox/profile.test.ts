import { describe, expect, it } from "vitest";
import { allowlistPermits, formatAllowEntry, normaliseWritablePath, parseAllowEntry, profileFromSpec } from "../../src/sandbox/profile.js";

describe("parseAllowEntry", () => {
  it("reads the forms upstream writes", () => {
    expect(parseAllowEntry("API.example.com")).toEqual({ host: "api.example.com" });
    expect(parseAllowEntry("api.example.com:443")).toEqual({ host: "api.example.com", port: 443 });
    expect(parseAllowEntry("10.203.0.1")).toEqual({ host: "10.203.0.1" });
    expect(parseAllowEntry("[::1]:8443")).toEqual({ host: "::1", port: 8443 });
    expect(parseAllowEntry("[::1]")).toEqual({ host: "::1" });
  });
  it("refuses what it would have to guess at", () => {
    for (const bad of ["", "https://x.com", "*.x.com", "::1", "x.com:0", "x.com:65536", "x.com:http", "[::1", "[::1]x", "300.1.1.1", "a b"]) {
      expect("error" in parseAllowEntry(bad), bad).toBe(true);
    }
  });
  it("formats back to what it read", () => {
    for (const e of ["api.example.com:443", "[::1]:8443", "10.0.0.1"]) expect(formatAllowEntry(parseAllowEntry(e) as never)).toBe(e);
  });
});

describe("allowlistPermits", () => {
  const list = [parseAllowEntry("api.example.com:443"), parseAllowEntry("10.0.0.1"), parseAllowEntry("[::1]:8443")] as never[];
  it("matches host and port exactly, any port when none is listed", () => {
    expect(allowlistPermits(list, "api.example.com", 443)).toBe(true);
    expect(allowlistPermits(list, "API.Example.com.", 443)).toBe(true);
    expect(allowlistPermits(list, "api.example.com", 80)).toBe(false);
    expect(allowlistPermits(list, "evil.api.example.com", 443)).toBe(false);
    expect(allowlistPermits(list, "10.0.0.1", 1234)).toBe(true);
    expect(allowlistPermits(list, "[::1]", 8443)).toBe(true);
    expect(allowlistPermits(list, "::1", 22)).toBe(false);
  });
});

describe("normaliseWritablePath", () => {
  it("keeps paths inside the workspace and refuses the others", () => {
    expect(normaliseWritablePath("src/")).toBe("src");
    expect(normaliseWritablePath("a/./b/../c")).toBe("a/c");
    expect(normaliseWritablePath(".")).toBe(".");
    expect(normaliseWritablePath("/etc")).toEqual({ error: expect.stringContaining("absolute") });
    expect(normaliseWritablePath("a/../../b")).toEqual({ error: expect.stringContaining("leaves") });
    expect(normaliseWritablePath("")).toEqual({ error: "is empty" });
  });
});

describe("profileFromSpec", () => {
  it("types a spec after defaults", () => {
    const p = profileFromSpec("p", { mode: "sandbox", fs_mode: "workspace_rw_scoped", writable_paths: ["out/"], network_mode: "allowlist", network_allowlist: ["x.com:443"], max_memory_mb: 64, max_processes: 3 });
    expect(p).toEqual({
      name: "p",
      declared: true,
      mode: "sandbox",
      fsMode: "workspace_rw_scoped",
      writablePaths: ["out"],
      networkMode: "allowlist",
      allowlist: [{ host: "x.com", port: 443 }],
      limits: { memoryMb: 64, processes: 3 },
    });
    expect(profileFromSpec("h", {}).mode).toBe("host");
  });
});
