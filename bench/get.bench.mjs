// `orchestrator get agents` on a store with 100 agents, as a whole process,
// against `node -e 0`.
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { CLI, cli, median, report, tempDir, timeSync } from "./lib.mjs";

const RUNS = Number(process.env.BENCH_RUNS_STARTUP ?? 15);

export function run() {
  const work = tempDir();
  try {
    cli(["init"], work);
    const docs = [];
    for (let i = 0; i < 100; i++) docs.push(`apiVersion: orchestrator.dev/v2\nkind: Agent\nmetadata:\n  name: agent-${i}\nspec:\n  capabilities: [c${i % 5}]\n  command: echo ${i}\n`);
    cli(["apply", "-f", "-"], work, docs.join("---\n"));
    const node = [];
    const get = [];
    for (let i = 0; i < RUNS; i++) {
      node.push(timeSync(() => spawnSync(process.execPath, ["-e", "0"])));
      get.push(timeSync(() => spawnSync(process.execPath, [CLI, "get", "agents"], { cwd: work })));
    }
    report("get agents (100 agents), whole process", median(get), median(node), 3);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
