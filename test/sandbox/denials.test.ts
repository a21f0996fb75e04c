import { describe, expect, it } from "vitest";
import { classifyDenials } from "../../src/sandbox/denials.js";
import { planEnforcement } from "../../src/sandbox/enforcement.js";
import type { HostCapabilities } from "../../src/sandbox/host-probe.js";
import { IMPLICIT_HOST_PROFILE, profileFromSpec } from "../../src/sandbox/profile.js";

const caps: HostCapabilities = {
  platform: "linux",
  root: false,
  bwrap: { path: "/usr/bin/bwrap", usable: true },
  prlimit: "/usr/bin/prlimit",
  cgroup: { memory: { version: 1, parent: "/m" }, pids: { version: 1, parent: "/p" } },
  node: "/usr/bin/node",
};
const plan = (spec: Record<string, unknown>, c: HostCapabilities = caps) => planEnforcement(profileFromSpec("p", { mode: "sandbox", ...spec }), c);
const end = (stderr: string, exitCode = 1) => ({ exitCode, stdoutTail: "", stderrTail: stderr });

describe("classifyDenials", () => {
  it("nothing for a host run, whatever it printed", () => {
    expect(classifyDenials(planEnforcement(IMPLICIT_HOST_PROFILE, caps), end("Read-only file system"))).toEqual([]);
  });
  it("a refused write, with the path the shell names", () => {
    const d = classifyDenials(plan({ fs_mode: "workspace_rw_scoped", writable_paths: ["out"] }), end("/bin/sh: 1: cannot create root.txt: Read-only file system\n"));
    expect(d).toEqual([expect.objectContaining({ reasonCode: "sandbox_write_denied", path: "root.txt", source: "output" })]);
    expect(d[0]!.message).toBe("write to root.txt denied (fs_mode: workspace_rw_scoped, writable: out)");
    expect(classifyDenials(plan({ fs_mode: "workspace_readonly" }), end("OSError: [Errno 30] Read-only file system: 'x/y.txt'"))[0]!.path).toBe("x/y.txt");
    // With the host's tree a read-only file system is the host's, not the sandbox's doing.
    expect(classifyDenials(plan({}), end("Read-only file system"))).toEqual([]);
  });
  it("a blocked connection, with its target when the client names it", () => {
    const d = classifyDenials(plan({ network_mode: "deny" }), end("curl: (7) Failed to connect to 127.0.0.1 port 8080 after 0 ms: Couldn't connect to server"));
    expect(d).toEqual([expect.objectContaining({ reasonCode: "sandbox_network_blocked", target: "127.0.0.1:8080" })]);
    expect(classifyDenials(plan({}), end("Connection refused"))).toEqual([]);
  });
  it("the proxy's refusals are counted facts, and replace reading the output", () => {
    const d = classifyDenials(plan({ network_mode: "allowlist", network_allowlist: ["a.com"] }), end("HTTP 403 connection refused"), undefined, [{ target: "b.com:443", count: 2 }]);
    expect(d).toEqual([expect.objectContaining({ reasonCode: "sandbox_network_blocked", source: "proxy", target: "b.com:443", count: 2 })]);
  });
  it("limits: OOM kills and refused forks from the cgroup, SIGXCPU from the exit, EMFILE from the output", () => {
    const d = classifyDenials(plan({ max_memory_mb: 10, max_processes: 2, max_cpu_seconds: 1, max_open_files: 4 }), end("OSError: [Errno 24] Too many open files", 152), { oomKills: 1, forksRefused: 3 });
    expect(d.map((x) => [x.reasonCode, x.limit, x.source])).toEqual([
      ["sandbox_limit_exceeded", "memory", "cgroup"],
      ["sandbox_limit_exceeded", "processes", "cgroup"],
      ["sandbox_limit_exceeded", "cpu", "signal"],
      ["sandbox_limit_exceeded", "open_files", "output"],
    ]);
  });
  it("no counted kill, no limit denial: a step that failed for its own reasons is not blamed on the sandbox", () => {
    expect(classifyDenials(plan({ max_memory_mb: 10, max_processes: 2 }), end("some error", 1), { oomKills: 0, forksRefused: 0 })).toEqual([]);
  });
  it("rlimit memory is read from the output", () => {
    const d = classifyDenials(plan({ max_memory_mb: 10 }, { ...caps, cgroup: {} }), end("MemoryError"));
    expect(d).toEqual([expect.objectContaining({ limit: "memory", source: "output" })]);
  });
});
