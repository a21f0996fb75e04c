/**
 * @module The bubblewrap command line for a profile: pure, from the profile
 * and the paths the step's boundary is drawn around. Mounts are applied in
 * order, later ones on top of earlier ones, so the order below is the
 * design: the base tree, private /tmp (and /run without network), the
 * workspace and its writable paths, the store hidden, the runtime directory.
 */
import type { ExecutionProfile } from "./profile.js";

export interface BoundaryPaths {
  /** The workspace root (real path). */
  workspace: string;
  /** Writable paths as absolute real paths inside the workspace. */
  writable: readonly string[];
  /** The orchestrator's state folder, hidden from the step; undefined to leave it. */
  home?: string;
  /** The secret key inside `home`: all a read-only tree needs hidden. */
  secretKey?: string;
  /**
   * More key material, hidden in every tree unless the state folder is
   * already replaced around it: the keyring's files (`secret-keys/`) and the
   * age identity, which ORCHESTRATOR_AGE_KEY_FILE may put anywhere.
   */
  secretFiles?: readonly string[];
  secretDirs?: readonly string[];
  /** The shared store's URL file inside `home` (it may hold a password): hidden as the key is. */
  storeUrl?: string;
  /** Directories inside `home` the step reads (its prompt and spill files), shown read-only. */
  reveal: readonly string[];
  /** Per-step directory with the proxy socket and the cgroup files the step joins; undefined when the step needs neither. */
  runtimeDir?: string;
  /** Files bound writable into `runtimeDir`: the cgroup.procs of the step's groups. */
  binds: ReadonlyArray<{ source: string; target: string }>;
  /**
   * Files the launcher runs inside the sandbox before the step (node and the
   * network bridge), shown read-only at their own paths: an install under
   * /tmp or /run would otherwise be hidden by the private mounts.
   */
  tools?: readonly string[];
}

const within = (path: string, dir: string): boolean => path === dir || path.startsWith(dir.endsWith("/") ? dir : `${dir}/`);

/** Arguments for `bwrap`, up to and including the `--` before the command. */
export function bwrapArgs(profile: ExecutionProfile, paths: BoundaryPaths): string[] {
  const a: string[] = ["--die-with-parent", "--unshare-user-try", "--unshare-ipc", "--unshare-pid", "--unshare-uts", "--unshare-cgroup-try"];
  const isolatedNet = profile.networkMode !== "inherit";
  if (isolatedNet) a.push("--unshare-net");
  // As root bubblewrap keeps capabilities unless told: without them the step cannot remount, mount or escape.
  a.push("--cap-drop", "ALL");

  const writableTree = profile.fsMode === "inherit";
  a.push(writableTree ? "--bind" : "--ro-bind", "/", "/");
  a.push("--dev", "/dev", "--proc", "/proc");
  // A shared /tmp is a channel out (unix sockets) and a place to write: private unless the tree is the host's and so is the network.
  if (!writableTree || isolatedNet) {
    a.push("--tmpfs", "/tmp");
    // Host daemons' sockets live under /run: out of reach without network.
    if (isolatedNet) a.push("--tmpfs", "/run");
    // The workspace again, should it lie under a path just replaced.
    a.push(writableTree ? "--bind" : "--ro-bind", paths.workspace, paths.workspace);
  }
  if (profile.fsMode === "workspace_rw_scoped") for (const w of paths.writable) a.push("--bind", w, w);

  // The store's key never reaches a step. In a read-only tree the rest of the state folder is
  // only readable (and secrets in the store are encrypted with that key); in a writable one the
  // whole folder is replaced, so no step can write the store. Each mount costs a step time.
  if (paths.home && !within(paths.workspace, paths.home)) {
    if (writableTree) {
      a.push("--tmpfs", paths.home);
      for (const r of paths.reveal) a.push("--ro-bind", r, r);
      a.push("--remount-ro", paths.home);
    } else {
      if (paths.secretKey) a.push("--ro-bind", "/dev/null", paths.secretKey);
      if (paths.storeUrl) a.push("--ro-bind", "/dev/null", paths.storeUrl);
    }
  }

  const replacedHome = writableTree && paths.home !== undefined && !within(paths.workspace, paths.home);
  for (const f of paths.secretFiles ?? []) if (!(replacedHome && within(f, paths.home!))) a.push("--ro-bind", "/dev/null", f);
  for (const d of paths.secretDirs ?? []) if (!(replacedHome && within(d, paths.home!))) a.push("--tmpfs", d, "--remount-ro", d);

  if (paths.runtimeDir) a.push("--ro-bind", paths.runtimeDir, paths.runtimeDir);
  for (const b of paths.binds) a.push("--bind", b.source, b.target);
  for (const t of paths.tools ?? []) a.push("--ro-bind", t, t);
  a.push("--chdir", paths.workspace, "--");
  return a;
}
