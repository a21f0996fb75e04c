import { describe, expect, it } from "vitest";
import { bwrapArgs, type BoundaryPaths } from "../../src/sandbox/bwrap-args.js";
import { profileFromSpec } from "../../src/sandbox/profile.js";

const paths: BoundaryPaths = {
  workspace: "/tmp/ws",
  writable: ["/tmp/ws/out"],
  home: "/tmp/ws/.orchestrator",
  secretKey: "/tmp/ws/.orchestrator/secret.key",
  reveal: ["/tmp/ws/.orchestrator/logs/t1"],
  runtimeDir: "/tmp/orchestrator-sandbox-x",
  binds: [{ source: "/sys/fs/cgroup/pids/orchestrator-r1/cgroup.procs", target: "/tmp/orchestrator-sandbox-x/pids.procs" }],
};

/** Index of a mount of `dest` by `op` in the argument list. */
const at = (args: string[], op: string, dest: string): number => args.findIndex((a, i) => a === op && (args[i + 2] === dest || (op.startsWith("--tmpfs") || op === "--remount-ro" ? args[i + 1] === dest : false)));

describe("bwrapArgs", () => {
  it("scoped: read-only tree, private /tmp, then the workspace, its writable paths, the key hidden, the runtime directory", () => {
    const a = bwrapArgs(profileFromSpec("p", { mode: "sandbox", fs_mode: "workspace_rw_scoped", writable_paths: ["out"] }), paths);
    expect(a.slice(a.indexOf("--ro-bind"), a.indexOf("--ro-bind") + 3)).toEqual(["--ro-bind", "/", "/"]);
    const order = [at(a, "--ro-bind", "/"), at(a, "--tmpfs", "/tmp"), at(a, "--ro-bind", "/tmp/ws"), at(a, "--bind", "/tmp/ws/out"), at(a, "--ro-bind", "/tmp/ws/.orchestrator/secret.key"), at(a, "--ro-bind", "/tmp/orchestrator-sandbox-x"), at(a, "--bind", "/tmp/orchestrator-sandbox-x/pids.procs")];
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((x, y) => x - y)).toEqual(order);
    expect(a[at(a, "--ro-bind", "/tmp/ws/.orchestrator/secret.key") + 1]).toBe("/dev/null");
    // A read-only tree needs only the key hidden: the rest of the store cannot be written.
    expect(at(a, "--tmpfs", "/tmp/ws/.orchestrator")).toBe(-1);
    expect(a).toContain("--cap-drop");
    expect(a).not.toContain("--unshare-net");
    expect(a.slice(-3)).toEqual(["--chdir", "/tmp/ws", "--"]);
  });
  it("a read-only tree also hides a shared store's URL file, which may hold its password", () => {
    const a = bwrapArgs(profileFromSpec("p", { mode: "sandbox", fs_mode: "workspace_readonly" }), { ...paths, storeUrl: "/tmp/ws/.orchestrator/store-url" });
    expect(a[at(a, "--ro-bind", "/tmp/ws/.orchestrator/store-url") + 1]).toBe("/dev/null");
    expect(a[at(a, "--ro-bind", "/tmp/ws/.orchestrator/secret.key") + 1]).toBe("/dev/null");
  });
  it("a writable tree hides the whole state folder, showing the task's own files read-only", () => {
    const a = bwrapArgs(profileFromSpec("p", { mode: "sandbox" }), paths);
    const order = [at(a, "--tmpfs", "/tmp/ws/.orchestrator"), at(a, "--ro-bind", "/tmp/ws/.orchestrator/logs/t1"), at(a, "--remount-ro", "/tmp/ws/.orchestrator")];
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((x, y) => x - y)).toEqual(order);
  });
  it("hides the keyring's folder and the age identity too; a writable tree's replaced state folder already hides what lies in it", () => {
    const keys = { ...paths, secretFiles: ["/tmp/ws/.orchestrator/age.key", "/etc/orchestrator/age.key"], secretDirs: ["/tmp/ws/.orchestrator/secret-keys"] };
    const ro = bwrapArgs(profileFromSpec("p", { mode: "sandbox", fs_mode: "workspace_rw_scoped", writable_paths: ["out"] }), keys);
    expect(ro[at(ro, "--ro-bind", "/tmp/ws/.orchestrator/age.key") + 1]).toBe("/dev/null");
    expect(ro[at(ro, "--ro-bind", "/etc/orchestrator/age.key") + 1]).toBe("/dev/null");
    expect(at(ro, "--tmpfs", "/tmp/ws/.orchestrator/secret-keys")).toBeGreaterThan(at(ro, "--ro-bind", "/tmp/ws"));
    const rw = bwrapArgs(profileFromSpec("p", { mode: "sandbox" }), keys);
    expect(at(rw, "--ro-bind", "/tmp/ws/.orchestrator/age.key")).toBe(-1);
    expect(at(rw, "--tmpfs", "/tmp/ws/.orchestrator/secret-keys")).toBe(-1);
    expect(rw[at(rw, "--ro-bind", "/etc/orchestrator/age.key") + 1]).toBe("/dev/null");
  });
  it("shows the launcher's own programs at their paths after the private /tmp and /run, so an install under /tmp still runs", () => {
    const tools = ["/tmp/install/node", "/tmp/install/dist/src/sandbox/network-bridge.js"];
    const a = bwrapArgs(profileFromSpec("p", { mode: "sandbox", network_mode: "allowlist", network_allowlist: ["127.0.0.1:80"] }), { ...paths, tools });
    for (const t of tools) {
      expect(at(a, "--ro-bind", t)).toBeGreaterThan(at(a, "--tmpfs", "/tmp"));
      expect(at(a, "--ro-bind", t)).toBeGreaterThan(at(a, "--tmpfs", "/run"));
      expect(a[at(a, "--ro-bind", t) + 1]).toBe(t);
    }
  });
  it("no runtime directory, no mount for it", () => {
    const { runtimeDir: _, ...rest } = paths;
    const a = bwrapArgs(profileFromSpec("p", { mode: "sandbox", fs_mode: "workspace_readonly" }), { ...rest, binds: [] });
    expect(a.join(" ")).not.toContain("orchestrator-sandbox-x");
  });
  it("readonly binds no writable path even when given some", () => {
    const a = bwrapArgs(profileFromSpec("p", { mode: "sandbox", fs_mode: "workspace_readonly" }), paths);
    expect(at(a, "--bind", "/tmp/ws/out")).toBe(-1);
  });
  it("deny and allowlist take the network namespace and hide /run; inherit keeps both", () => {
    for (const mode of ["deny", "allowlist"]) {
      const a = bwrapArgs(profileFromSpec("p", { mode: "sandbox", network_mode: mode }), paths);
      expect(a).toContain("--unshare-net");
      expect(at(a, "--tmpfs", "/run")).toBeGreaterThan(0);
      // fs inherit with no network: /tmp private too (sockets), the workspace writable again on top.
      expect(at(a, "--tmpfs", "/tmp")).toBeGreaterThan(0);
      expect(at(a, "--bind", "/tmp/ws")).toBeGreaterThan(at(a, "--tmpfs", "/tmp"));
    }
    const a = bwrapArgs(profileFromSpec("p", { mode: "sandbox" }), paths);
    expect(a).not.toContain("--unshare-net");
    expect(at(a, "--tmpfs", "/run")).toBe(-1);
    expect(at(a, "--tmpfs", "/tmp")).toBe(-1);
    expect(a.slice(a.indexOf("--bind"), a.indexOf("--bind") + 3)).toEqual(["--bind", "/", "/"]);
  });
  it("leaves the store alone when the workspace lies inside it", () => {
    const a = bwrapArgs(profileFromSpec("p", { mode: "sandbox" }), { ...paths, home: "/tmp" });
    expect(at(a, "--remount-ro", "/tmp")).toBe(-1);
  });
});
