/**
 * @module One cgroup per sandboxed step, for limits that hold for the step's
 * whole process tree: memory (`memory.limit_in_bytes` / `memory.max`, swap
 * included) and processes (`pids.max`, which counts threads too). The engine
 * makes the group before the step starts; the step's launcher joins it from
 * inside the sandbox; the engine reads what the kernel counted (OOM kills,
 * forks refused) when it ends, then removes it.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import type { CgroupController, CgroupResource, HostCapabilities } from "./host-probe.js";

export interface CgroupLimits {
  memoryMb?: number;
  processes?: number;
}

/** What the kernel counted while the step ran. */
export interface CgroupCounters {
  /** Processes the OOM killer ended for exceeding the memory limit. */
  oomKills: number;
  /** Forks refused for exceeding the process limit. */
  forksRefused: number;
}

export interface StepCgroup {
  /** The `cgroup.procs` file of each group the step joins. */
  procsFiles: Array<{ resource: CgroupResource; path: string }>;
  counters(): CgroupCounters;
  /** Ends anything left in the groups and removes them. */
  remove(): Promise<void>;
}

interface Group {
  resource: CgroupResource;
  version: 1 | 2;
  dir: string;
}

/** Makes the step's groups and writes their limits; throws with a message naming the file that failed. */
export function createStepCgroup(caps: HostCapabilities, name: string, limits: CgroupLimits): StepCgroup {
  const groups: Group[] = [];
  const make = (resource: CgroupResource, ctl: CgroupController | undefined, write: (g: Group) => void): void => {
    if (!ctl) throw new Error(`no ${resource} cgroup controller on this host`);
    const dir = join(ctl.parent, name);
    mkdirSync(dir, { recursive: false });
    const g: Group = { resource, version: ctl.version, dir };
    groups.push(g);
    write(g);
  };
  try {
    if (limits.memoryMb !== undefined) {
      const bytes = String(limits.memoryMb * 1024 * 1024);
      make("memory", caps.cgroup.memory, (g) => {
        if (g.version === 1) {
          writeFileSync(join(g.dir, "memory.limit_in_bytes"), bytes);
          // Swap counts too where the kernel accounts it, or the limit only moves pages to swap.
          tryWrite(join(g.dir, "memory.memsw.limit_in_bytes"), bytes);
        } else {
          writeFileSync(join(g.dir, "memory.max"), bytes);
          tryWrite(join(g.dir, "memory.swap.max"), "0");
        }
      });
    }
    if (limits.processes !== undefined) {
      const max = String(limits.processes);
      make("pids", caps.cgroup.pids, (g) => writeFileSync(join(g.dir, "pids.max"), max));
    }
  } catch (err) {
    for (const g of groups) removeDir(g.dir);
    throw new Error(`cannot set up the step's cgroup: ${(err as Error).message}`);
  }
  return {
    procsFiles: groups.map((g) => ({ resource: g.resource, path: join(g.dir, "cgroup.procs") })),
    counters: () => ({
      oomKills: groups.filter((g) => g.resource === "memory").reduce((n, g) => n + countIn(join(g.dir, g.version === 1 ? "memory.oom_control" : "memory.events"), "oom_kill"), 0),
      forksRefused: groups.filter((g) => g.resource === "pids").reduce((n, g) => n + countIn(join(g.dir, "pids.events"), "max"), 0),
    }),
    remove: async () => {
      for (const g of groups) await removeGroup(g.dir);
    },
  };
}

function tryWrite(path: string, value: string): void {
  if (!existsSync(path)) return;
  try {
    writeFileSync(path, value);
  } catch {
    // Not accounted on this kernel (swap accounting off): the memory limit still holds.
  }
}

/** `key N` lines, as in memory.events, pids.events and memory.oom_control. */
function countIn(path: string, key: string): number {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return 0;
  }
  for (const line of text.split("\n")) {
    const [k, v] = line.trim().split(/\s+/);
    if (k === key && v !== undefined && /^\d+$/.test(v)) return Number(v);
  }
  return 0;
}

function pidsIn(dir: string): number[] {
  try {
    return readFileSync(join(dir, "cgroup.procs"), "utf8").split("\n").filter(Boolean).map(Number).filter((n) => n > 1);
  } catch {
    return [];
  }
}

/** The step's sandbox ends with its command, so the group is empty or about to be; wait a little, then make sure. */
async function removeGroup(dir: string): Promise<void> {
  for (let attempt = 0; attempt < 40; attempt++) {
    if (!existsSync(dir)) return;
    const pids = pidsIn(dir);
    if (pids.length === 0 && removeDir(dir)) return;
    if (attempt >= 10) {
      for (const pid of pids) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // gone already
        }
      }
    }
    await delay(25);
  }
}

function removeDir(dir: string): boolean {
  try {
    rmdirSync(dir);
    return true;
  } catch {
    return false;
  }
}
