/**
 * The packaged GitHub Action (action.yml) and its comment script, run here
 * as a runner would run them: each step's `run` script in bash, in order,
 * with its `env` (inputs filled in), GITHUB_ENV and GITHUB_OUTPUT files, on
 * a clone of a bare git repository with a pull-request branch.
 *
 * GitHub's API cannot be reached from the tests, so a small HTTP server on
 * 127.0.0.1 stands in for it (a test double of a remote service, reached
 * through GITHUB_API_URL as on GitHub Enterprise). It keeps comments in
 * memory and answers the three calls the script makes.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { parse } from "yaml";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../support/cli.js";
import { git, isolateGit, makeUpstream, type Upstream } from "../reconcile/git/git-fixture.js";

interface Comment {
  id: number;
  body: string;
  user: string;
}

interface Recorded {
  method: string;
  url: string;
  auth: string | undefined;
}

/** Just enough of GitHub's issue-comment API, paged as the real one (per_page at most 100). */
class FakeGitHub {
  comments = new Map<number, Comment[]>();
  requests: Recorded[] = [];
  private nextId = 1000;
  private server!: Server;
  url = "";

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/v3`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString("utf8")) as { body: string }) : undefined;
    const url = new URL(req.url ?? "/", "http://x");
    this.requests.push({ method: req.method ?? "", url: url.pathname + url.search, auth: req.headers.authorization });
    const send = (status: number, json: unknown): void => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(json));
    };
    if (req.headers.authorization !== "Bearer test-token") return send(401, { message: "Bad credentials" });
    let m = /^\/api\/v3\/repos\/acme\/agents\/issues\/(\d+)\/comments$/.exec(url.pathname);
    if (m && req.method === "GET") {
      const all = this.comments.get(Number(m[1])) ?? [];
      const per = Math.min(Number(url.searchParams.get("per_page") ?? 30), 100);
      const page = Number(url.searchParams.get("page") ?? 1);
      return send(200, all.slice((page - 1) * per, page * per).map((c) => ({ ...c, user: { login: c.user } })));
    }
    if (m && req.method === "POST") {
      const c = { id: this.nextId++, body: body!.body, user: "github-actions[bot]" };
      this.comments.set(Number(m[1]), [...(this.comments.get(Number(m[1])) ?? []), c]);
      return send(201, { id: c.id, html_url: `https://github.example/acme/agents/pull/${m[1]}#issuecomment-${c.id}` });
    }
    m = /^\/api\/v3\/repos\/acme\/agents\/issues\/comments\/(\d+)$/.exec(url.pathname);
    if (m && req.method === "PATCH") {
      for (const list of this.comments.values()) {
        const c = list.find((x) => x.id === Number(m![1]));
        if (c) {
          c.body = body!.body;
          return send(200, { id: c.id, html_url: `https://github.example/acme/agents/pull/7#issuecomment-${c.id}` });
        }
      }
      return send(404, { message: "Not Found" });
    }
    send(404, { message: "Not Found" });
  }
}

interface Step {
  name: string;
  id?: string;
  shell: string;
  env?: Record<string, string>;
  run: string;
}

/** Fills `${{ inputs.x }}` and `${{ github.action_path }}`, the only expressions the steps use. */
function expand(value: string, inputs: Record<string, string>): string {
  return value.replace(/\$\{\{\s*([\w.-]+)\s*\}\}/g, (_m, expr: string) => {
    if (expr === "github.action_path") return REPO_ROOT;
    if (expr.startsWith("inputs.")) {
      const v = inputs[expr.slice(7)];
      if (v === undefined) throw new Error(`input ${expr} not given`);
      return v;
    }
    throw new Error(`expression ${expr} not supported by the test runner`);
  });
}

/** A step's bash, run asynchronously: the fake API answers from this same process. */
function bash(script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-e", "-o", "pipefail", "-c", script], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, output }));
  });
}

/** Runs the composite action's steps as a runner does; stops at the first failing step. */
async function runAction(cwd: string, temp: string, inputs: Record<string, string>, env: Record<string, string>): Promise<{ code: number; log: string; outputs: Record<string, string> }> {
  const action = parse(readFileSync(join(REPO_ROOT, "action.yml"), "utf8")) as {
    runs: { using: string; steps: Step[] };
    inputs: Record<string, { default?: string }>;
    outputs: Record<string, { value: string }>;
  };
  const stepOutputs: Record<string, Record<string, string>> = {};
  expect(action.runs.using).toBe("composite");
  const given = { ...Object.fromEntries(Object.keys(action.inputs).map((k) => [k, ""])), ...inputs };
  const githubEnv = join(temp, "github-env");
  const githubOutput = join(temp, "github-output");
  writeFileSync(githubEnv, "");
  let log = "";
  const carried: Record<string, string> = {};
  for (const step of action.runs.steps) {
    expect(step.shell).toBe("bash");
    writeFileSync(githubOutput, "");
    const stepEnv = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, expand(String(v), given)]));
    const r = await bash(step.run, cwd, { ...process.env, ...env, ...carried, ...stepEnv, GITHUB_ENV: githubEnv, GITHUB_OUTPUT: githubOutput, RUNNER_TEMP: temp });
    log += `## ${step.name}\n${r.output}`;
    for (const line of readFileSync(githubEnv, "utf8").split("\n")) {
      const i = line.indexOf("=");
      if (i > 0) carried[line.slice(0, i)] = line.slice(i + 1);
    }
    if (step.id) stepOutputs[step.id] = Object.fromEntries(readFileSync(githubOutput, "utf8").split("\n").filter(Boolean).map((l) => l.split("=", 2) as [string, string]));
    if (r.status !== 0) return { code: r.status ?? -1, log, outputs: {} };
  }
  // The action's outputs name step outputs: `${{ steps.diff.outputs.changes }}`.
  const outputs = Object.fromEntries(Object.entries(action.outputs).map(([name, o]) => {
    const m = /^\$\{\{\s*steps\.([\w-]+)\.outputs\.([\w-]+)\s*\}\}$/.exec(o.value);
    return [name, m ? (stepOutputs[m[1]!]?.[m[2]!] ?? "") : ""];
  }));
  return { code: 0, log, outputs };
}

const agent = (name: string, command: string): string =>
  `apiVersion: orchestrator.dev/v2\nkind: Agent\nmetadata:\n  name: ${name}\nspec:\n  capabilities: [plan]\n  command: ${command}\n`;

describe("the GitHub Action (action.yml) on a pull request", () => {
  let iso: ReturnType<typeof isolateGit>;
  let up: Upstream;
  let gh: FakeGitHub;
  let checkout: string;
  let base: string;

  beforeEach(async () => {
    iso = isolateGit();
    up = makeUpstream(iso.root);
    up.write("manifests/agents.yaml", agent("planner", "echo plan") + "---\n" + agent("old", "echo old"));
    base = up.commit("base");
    up.push("origin", "main");
    git(up.work, "checkout", "-q", "-b", "feature");
    up.write("manifests/agents.yaml", agent("planner", "echo better plan") + "---\n" + agent("builder", "echo build"));
    up.commit("change the agents");
    up.push("origin", "feature");
    // What actions/checkout with fetch-depth 0 leaves: a full clone at the pull request's head.
    checkout = join(iso.root, "checkout");
    git(iso.root, "clone", "-q", up.bare, checkout);
    git(checkout, "checkout", "-q", "feature");
    gh = new FakeGitHub();
    await gh.start();
  });

  afterEach(async () => {
    await gh?.stop();
    iso?.restore();
  });

  const env = (): Record<string, string> => ({ GITHUB_API_URL: gh.url, GITHUB_REPOSITORY: "acme/agents", GIT_CONFIG_NOSYSTEM: "1" });
  const inputs = (head: string): Record<string, string> => ({ path: "manifests", base, head, "pull-request": "7", "github-token": "test-token", comment: "true" });

  it("validates, diffs base..head and posts one comment, which the next push updates instead of adding another", async () => {
    // Someone else's comments come first: 100, a full page, so the next push finds ours on page 2.
    gh.comments.set(7, Array.from({ length: 100 }, (_, i) => ({ id: i + 1, body: `looks good ${i}`, user: "reviewer" })));
    const head = git(checkout, "rev-parse", "HEAD");
    const first = await runAction(checkout, iso.root, inputs(head), env());
    expect(first.code, first.log).toBe(0);
    expect(first.log).toContain("comment created: https://github.example/acme/agents/pull/7#issuecomment-1000");
    expect(first.outputs).toEqual({ changes: "true" });
    const mine = gh.comments.get(7)!.filter((c) => c.user !== "reviewer");
    expect(mine).toHaveLength(1);
    expect(mine[0]!.body.startsWith("<!-- orchestrator-diff -->\n### orchestrator diff ")).toBe(true);
    expect(mine[0]!.body).toContain("| 1 | 1 | 1 | 0 | 0 | 0 |");
    expect(mine[0]!.body).toContain("<summary>Update: <code>agent/planner</code>");
    expect(mine[0]!.body).toContain("-  command: echo plan\n+  command: echo better plan\n");
    expect(gh.requests.every((r) => r.auth === "Bearer test-token")).toBe(true);

    // A second push to the pull request.
    up.write("manifests/agents.yaml", agent("planner", "echo best plan") + "---\n" + agent("builder", "echo build"));
    up.commit("again");
    up.push("origin", "feature");
    git(checkout, "pull", "-q", "origin", "feature");
    const second = await runAction(checkout, iso.root, inputs(git(checkout, "rev-parse", "HEAD")), env());
    expect(second.code, second.log).toBe(0);
    expect(second.log).toContain("comment updated: https://github.example/acme/agents/pull/7#issuecomment-1000");
    const after = gh.comments.get(7)!;
    expect(after).toHaveLength(101);
    expect(after.find((c) => c.id === 1000)!.body).toContain("echo best plan");
    expect(gh.requests.filter((r) => r.method === "POST")).toHaveLength(1);
    expect(gh.requests.filter((r) => r.method === "PATCH")).toHaveLength(1);
    expect(gh.requests.some((r) => r.url.includes("page=2"))).toBe(true);
  });

  it("still posts the comment, then fails the job, when the head's manifests have errors", async () => {
    up.write("manifests/broken.yaml", "apiVersion: orchestrator.dev/v2\nkind: Agent\nmetadata:\n  name: broken\nspec:\n  command: 3\n");
    up.commit("break it");
    up.push("origin", "feature");
    git(checkout, "pull", "-q", "origin", "feature");
    const r = await runAction(checkout, iso.root, inputs(git(checkout, "rev-parse", "HEAD")), env());
    expect(r.code).toBe(1);
    expect(r.log).toContain("::error::orchestrator: the manifests have errors");
    expect(r.log).toMatch(/error: agent\/broken: spec\.command: must be string/);
    const body = gh.comments.get(7)![0]!.body;
    expect(body).toContain("#### 1 error");
    expect(body).toContain("agent/broken: spec.command: must be string");
  });

  it("fails with the API's message when the token is refused, and posts nothing with comment: false", async () => {
    const head = git(checkout, "rev-parse", "HEAD");
    const refused = await runAction(checkout, iso.root, { ...inputs(head), "github-token": "wrong" }, env());
    expect(refused.code).toBe(1);
    expect(refused.log).toContain("github-pr-comment: GET /repos/acme/agents/issues/7/comments?per_page=100&page=1: HTTP 401: Bad credentials");
    gh.requests = [];
    const summary = join(iso.root, "summary.md");
    const quiet = await runAction(checkout, iso.root, { ...inputs(head), comment: "false" }, { ...env(), GITHUB_STEP_SUMMARY: summary });
    expect(quiet.code, quiet.log).toBe(0);
    expect(gh.requests).toEqual([]);
    expect(existsSync(summary) && readFileSync(summary, "utf8").startsWith("<!-- orchestrator-diff -->")).toBe(true);
  });
});
