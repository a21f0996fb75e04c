import { describe, expect, it } from "vitest";
import { planEnforcement, unsupportedMessage } from "../../src/sandbox/enforcement.js";
import type { HostCapabilities } from "../../src/sandbox/host-probe.js";
import { IMPLICIT_HOST_PROFILE, profileFromSpec } from "../../src/sandbox/profile.js";

const full: HostCapabilities = {
  platform: "linux",
  root: true,
  bwrap: { path: "/usr/bin/bwrap", usable: true },
  prlimit: "/usr/bin/prlimit",
  cgroup: { memory: { version: 2, parent: "/sys/fs/cgroup/x" }, pids: { version: 2, parent: "/sys/fs/cgroup/x" } },
  node: "/usr/bin/node",
};
const limits = profileFromSpec("lim", { mode: "sandbox", max_memory_mb: 10, max_processes: 2, max_cpu_seconds: 1, max_open_files: 8 });

describe("planEnforcement", () => {
  it("a host profile asks for nothing", () => {
    expect(planEnforcement(IMPLICIT_HOST_PROFILE, { ...full, bwrap: { path: "x", usable: false, problem: "none" } }).unsupported).toEqual([]);
  });
  it("with bubblewrap, cgroups and prlimit every field holds: memory and processes by cgroup", () => {
    const plan = planEnforcement(limits, full);
    expect(plan.unsupported).toEqual([]);
    expect(plan.memory).toBe("cgroup");
    expect(plan.processes).toBe("cgroup");
    expect(plan.fields.map((f) => f.field)).toEqual(["mode", "fs_mode", "network_mode", "max_memory_mb", "max_processes", "max_cpu_seconds", "max_open_files"]);
  });
  it("without cgroups memory falls back to RLIMIT_AS, processes to RLIMIT_NPROC for a user but not for root", () => {
    const noCg = { ...full, cgroup: { problem: "off" } };
    const asRoot = planEnforcement(limits, noCg);
    expect(asRoot.memory).toBe("rlimit");
    expect(asRoot.unsupported.map((f) => f.field)).toEqual(["max_processes"]);
    expect(asRoot.unsupported[0]!.detail).toContain("RLIMIT_NPROC does not bind root");
    const asUser = planEnforcement(limits, { ...noCg, root: false });
    expect(asUser.unsupported).toEqual([]);
    expect(asUser.processes).toBe("rlimit");
  });
  it("without prlimit the per-process limits cannot hold", () => {
    const { prlimit: _, ...noPrlimit } = full;
    expect(planEnforcement(limits, noPrlimit).unsupported.map((f) => f.field)).toEqual(["max_cpu_seconds", "max_open_files"]);
  });
  it("without bubblewrap nothing of a sandbox holds, and the message names the fields once per reason", () => {
    const plan = planEnforcement(profileFromSpec("p", { mode: "sandbox", network_mode: "deny" }), { ...full, bwrap: { path: "/x/bwrap", usable: false, problem: "bubblewrap not found (/x/bwrap)" } });
    expect(plan.unsupported.map((f) => f.field)).toEqual(["mode", "fs_mode", "network_mode"]);
    expect(unsupportedMessage(plan)).toBe("unsupported_backend_feature: profile 'p' cannot be enforced on this host, so the step did not run (mode, fs_mode, network_mode: bubblewrap not found (/x/bwrap))");
  });
});
