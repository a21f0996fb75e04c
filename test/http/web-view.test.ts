/**
 * The web view end to end, in Debian's chromium: a real controller serving
 * it, a workflow whose agent prints a line a second, the task page showing
 * the lines as they are written (a secret the agent prints masked), pause
 * and resume from the page, the task's events and its row in the task list,
 * the same JSON as the CLI's `-o json`, the token and its login page,
 * `orchestrator ui` without a controller, the triggers, an agent's load,
 * sources Ready and Stalled with the revisions they applied (one a real git
 * repository) and one reconciled from its page, resources' status, a
 * resource's origin commit and events, and an item retried from its row.
 * Each shown value is read from its column or field, so a page that stops
 * showing it fails. Screenshots go to test-output/web-view/.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { formatAge } from "../../src/cli/output/age.js";
import { cellText, columnTexts, fact, launchBrowser, testOutputDir, type Browser } from "../support/browser.js";
import { createTask, taskProject } from "../cli/task-support.js";
import { isolateGit, makeUpstream } from "../reconcile/git/git-fixture.js";
import { docs, workflow, workspace } from "../reconcile/support/manifests.js";
import { CLI, initializedProject } from "../support/cli.js";
import { startController, stopAndRemove, until, type RunningController } from "../support/controller.js";

const SECRET = "sk-live-51a9c0ffee7d";
const TICKS = 12;

const MANIFESTS = `apiVersion: orchestrator.dev/v2
kind: Workspace
metadata:
  name: default
spec:
  root_path: "."
---
apiVersion: orchestrator.dev/v2
kind: SecretStore
metadata:
  name: keys
spec:
  data:
    API_TOKEN: ${SECRET}
---
apiVersion: orchestrator.dev/v2
kind: Agent
metadata:
  name: ticker
spec:
  capabilities: [tick]
  command: 'echo "token is $TOKEN"; i=1; while [ $i -le ${TICKS} ]; do echo "tick $i"; i=$((i+1)); sleep 1; done'
  env:
    - name: TOKEN
      refValue:
        name: keys
        key: API_TOKEN
---
apiVersion: orchestrator.dev/v2
kind: Workflow
metadata:
  name: ticks
spec:
  steps:
    - id: tick
      required_capability: tick
`;

const OUT = testOutputDir(import.meta.filename);

type Project = ReturnType<typeof initializedProject>;

let project: Project | undefined;
let controller: RunningController | undefined;
let browser: Browser | undefined;
let child: ChildProcess | undefined;
let restoreGit: (() => void) | undefined;

afterEach(async () => {
  await browser?.close();
  browser = undefined;
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child!.once("exit", r));
    child.kill("SIGTERM");
    await exited;
  }
  child = undefined;
  await stopAndRemove(controller, project);
  controller = undefined;
  project = undefined;
  restoreGit?.();
  restoreGit = undefined;
});

/** The controller's web view address, from its log. */
async function webUrl(c: RunningController): Promise<string> {
  await until("the web view to listen", () => /web view at http:\/\/\S+\//.test(c.log()), 60_000, () => c.child.exitCode !== null && `controller exited:\n${c.log()}`);
  return /web view at (http:\/\/\S+?)\/( |$)/m.exec(c.log())![1]!;
}

function taskCreate(p: Project): string {
  const r = p.run(["task", "create", "--workflow", "ticks", "--goal", "count the ticks"]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim();
}

const phaseOf = (p: Project, id: string): string => (JSON.parse(p.run(["task", "info", id, "-o", "json"]).stdout) as { task: { phase: string } }).task.phase;

/** An agent whose step runs until the test writes `release` in the project, and a workflow whose one step it takes. */
const HOLD = "'while [ ! -f release ]; do sleep 0.1; done'";
const HOLDER = `apiVersion: orchestrator.dev/v2
kind: Agent
metadata:
  name: holder
spec:
  capabilities: [hold]
  command: ${HOLD}
`;
const HELD = `apiVersion: orchestrator.dev/v2
kind: Workflow
metadata:
  name: wf
spec:
  steps:
    - id: build
      required_capability: hold
  loop:
    mode: once
`;
/** A document the schema refuses: the source holding it stalls until a new revision fixes it. */
const INVALID = `apiVersion: orchestrator.dev/v2
kind: Workflow
metadata:
  name: broken
spec:
  steps: 3
`;
const TRIGGER = `apiVersion: orchestrator.dev/v2
kind: Trigger
metadata:
  name: every-second
spec:
  cron:
    schedule: "*/1 * * * * *"
  concurrencyPolicy: Forbid
  action:
    workflow: wf
    workspace: ws
`;

const ticksIn = (text: string): number => (text.match(/^tick \d+$/gm) ?? []).length;

describe("the web view in a browser", { timeout: 180_000 }, () => {
  it("shows a task's log lines as the agent writes them, masks the secret, and pauses and resumes it", async () => {
    project = initializedProject({ "m.yaml": MANIFESTS });
    expect(project.run(["apply", "-f", "m.yaml"]).code).toBe(0);
    controller = await startController(project.dir, ["--ui-bind", "127.0.0.1:0"]);
    const url = await webUrl(controller);
    expect(JSON.parse(project.run(["controller", "status", "-o", "json"]).stdout)).toMatchObject({ running: true, webView: `${url}/` });
    expect(project.run(["controller", "status"]).stdout).toContain(`web view: ${url}/\n`);
    const id = taskCreate(project);

    browser = await launchBrowser();
    const { page } = browser;
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));

    await page.goto(`${url}/tasks`);
    await page.locator(`[data-task="${id}"]`).waitFor();
    await expect.poll(() => page.locator(`[data-task="${id}"] .badge`).innerText(), { timeout: 60_000 }).toMatch(/Running/);
    await page.screenshot({ path: join(OUT, "task-list.png") });

    await page.locator(`[data-task="${id}"] a`).first().click();
    await page.waitForURL(`${url}/tasks/${id}`);
    expect(await page.title()).toBe(`${id} · orchestrator`);
    const logs = page.locator("[data-test=logs]");

    // Live: the page is seen holding more and more ticks while the step still runs.
    await expect.poll(async () => ticksIn(await logs.innerText()), { timeout: 60_000 }).toBeGreaterThanOrEqual(1);
    const first = ticksIn(await logs.innerText());
    expect(first).toBeLessThan(TICKS);
    await expect.poll(async () => ticksIn(await logs.innerText()), { timeout: 60_000 }).toBeGreaterThan(first);
    const second = ticksIn(await logs.innerText());
    expect(second).toBeLessThan(TICKS);
    expect(await page.locator("[data-test=log-state]").innerText()).toContain("live");

    const text = await logs.innerText();
    expect(text).toContain("token is [REDACTED]");
    expect(text).not.toContain(SECRET);
    expect(await page.content()).not.toContain(SECRET);
    await page.screenshot({ path: join(OUT, "task-page.png"), fullPage: true });

    // Pause from the page: the task stops, as `task pause` stops it.
    await page.getByRole("button", { name: "Pause" }).click();
    await expect.poll(() => page.locator("[data-test=phase]").innerText(), { timeout: 60_000 }).toBe("Paused");
    expect(phaseOf(project, id)).toBe("Paused");
    const paused = JSON.parse(project.run(["task", "info", id, "-o", "json"]).stdout) as { task: { message: string }; runs: Array<{ status: string }> };
    expect(paused.task.message).toBe("paused from the web view");
    expect(paused.runs.map((r) => r.status)).toEqual(["cancelled"]);
    await expect.poll(() => page.locator("[data-test=action-note]").innerText(), { timeout: 30_000 }).toContain(`paused; stopped 1 running step; continue it with \`orchestrator task resume ${id}\``);
    const events = (JSON.parse(project.run(["event", "list", "--task", id, "--type", "task_paused", "-o", "json"]).stdout) as { items: Array<{ actor: string }> }).items;
    expect(events.map((e) => e.actor)).toEqual(["web"]);

    // Resume from the page: the step runs again to the end, its lines streaming in under a new header.
    await page.getByRole("button", { name: "Resume" }).click();
    await expect.poll(() => page.locator("[data-test=phase]").innerText(), { timeout: 60_000 }).toBe("Completed");
    await expect.poll(() => page.locator("[data-test=log-state]").innerText(), { timeout: 30_000 }).toContain("task finished");
    await expect.poll(async () => ticksIn(await logs.innerText()), { timeout: 30_000 }).toBeGreaterThanOrEqual(TICKS);
    expect(await page.locator("[data-test=logs] .run-log").count()).toBe(2);
    expect(phaseOf(project, id)).toBe("Completed");
    await page.screenshot({ path: join(OUT, "task-page-completed.png"), fullPage: true });

    // Its events, as `event list --task` lists them: created, each step started and judged, paused and resumed from here.
    const stored = (JSON.parse(project.run(["event", "list", "--task", id, "--limit", "100", "-o", "json"]).stdout) as { items: Array<{ type: string; actor: string | null; message: string }> }).items;
    for (const type of ["task_created", "step_started", "run_result", "task_paused", "task_resumed"]) expect(stored.map((e) => e.type)).toContain(type);
    const eventTable = page.locator("section", { has: page.locator("h2", { hasText: /^Events$/ }) }).locator("table");
    const sorted = (list: string[]): string[] => [...list].sort();
    await expect.poll(async () => sorted(await columnTexts(eventTable, "Type")), { timeout: 30_000 }).toEqual(sorted(stored.map((e) => e.type)));
    expect(sorted(await columnTexts(eventTable, "Message"))).toEqual(sorted(stored.map((e) => e.message)));
    const pausedRow = eventTable.locator("tbody tr", { has: page.locator("td", { hasText: /^task_paused$/ }) });
    expect(await cellText(eventTable, pausedRow, "By")).toBe("web");
    expect(errors).toEqual([]);

    // The page reads the API; the API answers what `-o json` prints.
    const api = async (path: string): Promise<unknown> => (await page.request.get(`${url}/api/v1${path}`)).json();
    expect(await api(`/tasks/${id}`)).toEqual(JSON.parse(project.run(["task", "info", id, "-o", "json"]).stdout));
    const listed = JSON.parse(project.run(["task", "list", "-o", "json"]).stdout) as { kind: string; items: unknown[] };
    expect(listed.kind).toBe("List");
    expect(await api("/tasks")).toMatchObject({ apiVersion: "orchestrator.dev/v2", kind: "List", items: listed.items });
    expect(await api("/resources/agents")).toEqual(JSON.parse(project.run(["get", "agents", "-o", "json"]).stdout));
    expect(await api("/sources")).toEqual(JSON.parse(project.run(["source", "list", "-o", "json"]).stdout));
    const logsText = await (await page.request.get(`${url}/api/v1/tasks/${id}/logs`)).text();
    expect(logsText).toBe(project.run(["task", "logs", id]).stdout);

    // The task list shows its project, workflow, progress (the paused run and the one that finished) and age.
    await page.goto(`${url}/tasks`);
    const taskTable = page.locator("[data-test=task-list]");
    const taskRow = page.locator(`[data-task="${id}"]`);
    await taskRow.waitFor();
    expect(await cellText(taskTable, taskRow, "Project")).toBe("default");
    expect(await cellText(taskTable, taskRow, "Workflow")).toBe("ticks");
    expect(await cellText(taskTable, taskRow, "Phase")).toBe("Completed");
    await expect.poll(() => cellText(taskTable, taskRow, "Progress"), { timeout: 30_000 }).toBe("2/2 runs");
    const createdAt = (JSON.parse(project.run(["task", "info", id, "-o", "json"]).stdout) as { task: { createdAt: string } }).task.createdAt;
    // The page redraws every 2 s: its age is what formatAge gives for a moment of the last few seconds.
    const age = await cellText(taskTable, taskRow, "Age");
    expect(Array.from({ length: 10 }, (_, k) => formatAge(createdAt, Date.now() - k * 1000))).toContain(age);

    // The other sections render from the same store.
    for (const [path, marker] of [
      ["/agents", "[data-test=agent-list]"],
      ["/resources?kind=Workflow", "[data-test=resource-list]"],
      ["/sources", "[data-test=source-list]"],
    ] as const) {
      await page.goto(`${url}${path}`);
      await page.locator(marker).waitFor();
    }
    await expect.poll(() => page.locator("[data-test=source-list]").innerText(), { timeout: 30_000 }).toContain("default");
    await page.goto(`${url}/agents`);
    await expect.poll(() => page.locator("[data-test=agent-list]").innerText(), { timeout: 30_000 }).toContain("ticker");
    await expect.poll(() => page.locator("[data-test=agent-list]").innerText(), { timeout: 30_000 }).toContain("healthy");
    await page.screenshot({ path: join(OUT, "agents.png") });
    await page.goto(`${url}/resources/Workflow/ticks`);
    await expect.poll(() => page.locator("[data-test=yaml]").innerText(), { timeout: 30_000 }).toContain("required_capability: tick");
    await page.goto(`${url}/resources/SecretStore/keys`);
    await expect.poll(() => page.locator("[data-test=yaml]").innerText(), { timeout: 30_000 }).toContain("API_TOKEN");
    expect(await page.content()).not.toContain(SECRET);
    expect(errors).toEqual([]);
  });

  it("asks for the token on a login page when one is set, and lets the person in with it", async () => {
    project = initializedProject({ "m.yaml": MANIFESTS, "token.txt": "0d8f3b1e6a2c4957be11\n" });
    expect(project.run(["apply", "-f", "m.yaml"]).code).toBe(0);
    controller = await startController(project.dir, ["--ui-bind", "127.0.0.1:0", "--ui-token-file", "token.txt"]);
    const url = await webUrl(controller);
    expect(controller.log()).toContain("(token required)");

    browser = await launchBrowser();
    const { page } = browser;
    const first = await page.goto(`${url}/tasks`);
    expect(first?.status()).toBe(401);
    expect((await page.request.get(`${url}/api/v1/tasks`)).status()).toBe(401);
    await page.getByLabel("Token").fill("not-the-token-at-all");
    await page.getByRole("button", { name: "Log in" }).click();
    await expect.poll(() => page.getByRole("alert").innerText(), { timeout: 30_000 }).toContain("not the one");
    await page.getByLabel("Token").fill("0d8f3b1e6a2c4957be11");
    await page.getByRole("button", { name: "Log in" }).click();
    await page.waitForURL(`${url}/tasks`);
    await page.locator("[data-test=task-list]").waitFor();
    expect((await page.request.get(`${url}/api/v1/tasks`)).status()).toBe(200);
  });

  it("orchestrator ui serves the view of a store no controller runs for", async () => {
    project = initializedProject({ "m.yaml": MANIFESTS });
    expect(project.run(["apply", "-f", "m.yaml"]).code).toBe(0);
    const id = project.run(["task", "create", "--workflow", "ticks", "--no-start"]).stdout.trim();
    child = spawn(process.execPath, [CLI, "ui", "--bind", "127.0.0.1:0"], { cwd: project.dir, env: { ...process.env, NO_COLOR: "1", ORCHESTRATOR_NO_DAEMON: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout!.on("data", (d) => (out += d));
    child.stderr!.on("data", (d) => (out += d));
    await until("orchestrator ui to listen", () => out.includes("no controller runs for this store"), 60_000, () => child!.exitCode !== null && `ui exited ${child!.exitCode}:\n${out}`);
    const url = /web view at (http:\/\/\S+?)\//.exec(out)![1]!;

    browser = await launchBrowser();
    const { page } = browser;
    await page.goto(`${url}/`);
    await page.waitForURL(`${url}/tasks`);
    await page.locator(`[data-task="${id}"]`).waitFor();
    await expect.poll(() => page.locator("[data-test=controller]").innerText(), { timeout: 30_000 }).toContain("no controller");
    await page.goto(`${url}/tasks/${id}`);
    await expect.poll(() => page.locator("[data-test=phase]").innerText(), { timeout: 30_000 }).toBe("Pending");
    await page.getByRole("button", { name: "Pause" }).click();
    await expect.poll(() => phaseOf(project!, id), { timeout: 30_000 }).toBe("Paused");
  });

  it("shows triggers with their last and next firing, an agent's load, sources Ready and Stalled with their revisions and Reconcile now, resources' status, origin commit and events, and a task's runs", async () => {
    // A git repository holding a workflow, followed by a git source.
    const gitHome = isolateGit();
    restoreGit = gitHome.restore;
    const upstream = makeUpstream(gitHome.root);
    upstream.write("deploy/shipped.yaml", workflow("shipped"));
    const sha = upstream.commit("a workflow to ship");
    upstream.push();
    // Applied by the controller from the project's source: a trigger firing every second whose task's step holds its agent until released.
    project = initializedProject({ "manifests/setup.yaml": docs(workspace("ws"), HOLDER, HELD, TRIGGER), "broken/bad.yaml": INVALID });
    expect(project.run(["source", "add", "remote", "--git", upstream.bare, "--path", "deploy"]).code).toBe(0);
    expect(project.run(["source", "add", "broken", "--dir", "broken"]).code).toBe(0);
    controller = await startController(project.dir, ["--ui-bind", "127.0.0.1:0"]);
    const url = await webUrl(controller);
    browser = await launchBrowser();
    const { page } = browser;
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));

    await page.goto(`${url}/triggers`);
    const row = page.locator("[data-test=trigger-list] tbody tr", { hasText: "every-second" });
    const cell = (n: number) => row.locator(`td:nth-child(${n})`).innerText();
    await row.waitFor({ timeout: 60_000 });
    expect(await cell(3)).toBe("cron */1 * * * * *");
    expect(await cell(4)).toBe("wf");
    // Forbid while the first task holds: it fired once, stays active, and skips the next seconds.
    await expect.poll(() => cell(7), { timeout: 60_000 }).toMatch(/ago → t-/);
    await expect.poll(() => cell(9), { timeout: 60_000 }).toMatch(/ago: /);
    expect(await cell(8)).toMatch(/^in \d+s$/);
    const taskId = /→ (t-\S+)/.exec(await cell(7))![1]!;
    expect(await cell(6)).toContain(taskId);
    await page.screenshot({ path: join(OUT, "triggers.png") });

    // The task it made, with its running step in the timeline.
    await row.locator(`td:nth-child(7) a`).click();
    await page.waitForURL(`${url}/tasks/${taskId}`);
    const step = page.locator("[data-test=timeline] tr[data-run]").first();
    await expect.poll(() => step.innerText(), { timeout: 60_000 }).toMatch(/^build\s+running/);

    // The agent running that step: a load of 1, as `agent list` counts it (nothing has finished on it yet).
    await page.goto(`${url}/agents`);
    const agentTable = page.locator("[data-test=agent-list]");
    const holder = agentTable.locator("tbody tr", { has: page.locator("td:first-child", { hasText: /^holder$/ }) });
    await expect.poll(() => cellText(agentTable, holder, "Load"), { timeout: 30_000 }).toBe("1");
    const agents = (JSON.parse(project.run(["agent", "list", "-o", "json"]).stdout) as { items: Array<{ name: string; health: { currentLoad: number } }> }).items;
    expect(agents.find((a) => a.name === "holder")?.health.currentLoad).toBe(1);

    // The sources: Ready or Stalled, and the revision each applied last, as `source list` has them; the git one's is its commit.
    await page.goto(`${url}/sources`);
    const sourceTable = page.locator("[data-test=source-list]");
    const sourceRow = (name: string) => sourceTable.locator("tbody tr", { has: page.locator("td:first-child", { hasText: new RegExp(`^${name}$`) }) });
    await expect.poll(() => cellText(sourceTable, sourceRow("remote"), "Status"), { timeout: 60_000 }).toBe("Ready");
    await expect.poll(() => cellText(sourceTable, sourceRow("broken"), "Status"), { timeout: 60_000 }).toBe("Stalled: ValidationFailed");
    expect(await cellText(sourceTable, sourceRow("default"), "Status")).toBe("Ready");
    expect(await cellText(sourceTable, sourceRow("remote"), "Revision")).toBe(sha.slice(0, 12));
    type SourceStatus = { metadata: { name: string }; status: { lastAppliedRevision?: string | null } };
    const sources = (JSON.parse(project.run(["source", "list", "-o", "json"]).stdout) as { items: SourceStatus[] }).items;
    const revision = (name: string): string | undefined => sources.find((x) => x.metadata.name === name)?.status.lastAppliedRevision ?? undefined;
    expect(revision("remote")).toBe(sha);
    expect(revision("default")).toBeTruthy();
    expect(revision("broken")).toBeUndefined();
    for (const name of ["default", "remote", "broken"]) expect(await cellText(sourceTable, sourceRow(name), "Revision")).toBe(revision(name)?.slice(0, 12) ?? "");
    await page.screenshot({ path: join(OUT, "sources.png") });
    const heading = page.locator("main h1 .badge");
    await page.goto(`${url}/sources/remote`);
    await expect.poll(() => heading.innerText(), { timeout: 30_000 }).toBe("Ready");
    expect(await fact(page, "Last applied").innerText()).toMatch(new RegExp(`^${sha.slice(0, 12)} \\(\\d{4}-`));
    await page.goto(`${url}/sources/broken`);
    await expect.poll(() => heading.innerText(), { timeout: 30_000 }).toBe("Stalled: ValidationFailed");
    expect(await fact(page, "Last applied").innerText()).toBe("never");

    // The source that applied the rest, reconciled from the page.
    await page.goto(`${url}/sources/default`);
    await expect.poll(() => page.locator("main").innerText(), { timeout: 60_000 }).toMatch(/Inventory \(4\)/);
    expect(await heading.innerText()).toBe("Ready");
    expect(await fact(page, "Last applied").innerText()).toMatch(new RegExp(`^${revision("default")!.slice(0, 12)} \\(`));
    for (const name of ["every-second", "holder", "wf", "ws"]) expect(await page.locator("main table").last().innerText()).toContain(name);
    await page.getByRole("button", { name: "Reconcile now" }).click();
    await expect.poll(() => page.locator("[data-test=action-note]").innerText(), { timeout: 60_000 }).toContain("source default: ");
    expect(await page.locator("[data-test=action-note]").getAttribute("class")).toContain("ok");
    await page.screenshot({ path: join(OUT, "source.png"), fullPage: true });

    // A resource it applied: generation, origin and the manifest.
    await page.goto(`${url}/resources/Workflow/wf`);
    await expect.poll(() => page.locator("[data-test=generation]").innerText(), { timeout: 30_000 }).toBe("1");
    const facts = await page.locator("dl.facts").innerText();
    expect(facts).toContain("source default");
    expect(facts).toMatch(/setup\.yaml:\d+/);
    expect(await page.locator("[data-test=yaml]").innerText()).toContain("id: build");

    // Resources with their status: the Source resources by their conditions, Ready or Stalled.
    await page.goto(`${url}/resources?kind=Source`);
    const resourceTable = page.locator("[data-test=resource-list]");
    const resourceRow = (name: string) => resourceTable.locator("tbody tr", { has: page.locator("td:first-child a", { hasText: new RegExp(`^${name}$`) }) });
    await expect.poll(() => cellText(resourceTable, resourceRow("broken"), "Status"), { timeout: 30_000 }).toBe("Stalled: ValidationFailed");
    expect(await cellText(resourceTable, resourceRow("remote"), "Status")).toBe("Ready");
    expect(await cellText(resourceTable, resourceRow("default"), "Status")).toBe("Ready");

    // The one from git: the commit it came from, then the commit that changed it, and its events as `event list --for` lists them.
    await page.goto(`${url}/resources/Workflow/shipped`);
    await expect.poll(() => fact(page, "Commit").innerText(), { timeout: 30_000 }).toBe(sha.slice(0, 12));
    expect(await fact(page, "Commit").getAttribute("title")).toBe(sha);
    expect(await fact(page, "Applied by").innerText()).toBe("source remote");
    expect(await fact(page, "File").innerText()).toBe("deploy/shipped.yaml:1");
    upstream.write("deploy/shipped.yaml", workflow("shipped", "echo shipped again"));
    const changed = upstream.commit("change the workflow");
    upstream.push();
    expect(project.run(["reconcile", "remote"]).code).toBe(0);
    await expect.poll(() => fact(page, "Commit").innerText(), { timeout: 30_000 }).toBe(changed.slice(0, 12));
    expect(await fact(page, "Generation").innerText()).toBe("2");
    const resourceEvents = (JSON.parse(project.run(["event", "list", "--for", "workflow/shipped", "-o", "json"]).stdout) as { items: Array<{ type: string; message: string }> }).items;
    expect(resourceEvents.map((e) => e.type)).toEqual(["resource_created", "resource_updated"]);
    const eventTable = page.locator("section", { has: page.locator("h2", { hasText: /^Events$/ }) }).locator("table");
    await expect.poll(() => columnTexts(eventTable, "Type"), { timeout: 30_000 }).toEqual(resourceEvents.map((e) => e.type));
    expect(await columnTexts(eventTable, "Message")).toEqual(resourceEvents.map((e) => e.message));
    await page.screenshot({ path: join(OUT, "resource.png"), fullPage: true });

    project.write("release", "");
    await expect.poll(() => phaseOf(project!, taskId), { timeout: 60_000 }).toBe("Completed");
    expect(errors).toEqual([]);
  });

  it("shows a failed task's runs per item and retries one item from the page", async () => {
    project = taskProject();
    project.write("docs/qa/b.md.ok", "");
    const id = createTask(project, "flaky", "flaky");
    controller = await startController(project.dir, ["--ui-bind", "127.0.0.1:0"]);
    const url = await webUrl(controller);
    expect(project.run(["task", "start", id]).code).toBe(0);
    await expect.poll(() => phaseOf(project!, id), { timeout: 60_000 }).toBe("Failed");

    browser = await launchBrowser();
    const { page } = browser;
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${url}/tasks/${id}`);
    await expect.poll(() => page.locator("[data-test=phase]").innerText(), { timeout: 30_000 }).toBe("Failed");
    // The timeline groups the runs by item: a.md failed with its exit code, b.md succeeded.
    const itemRuns = (path: string) => page.locator("[data-test=timeline] .item-runs", { has: page.locator("h4", { hasText: path }) });
    await expect.poll(() => itemRuns("docs/qa/a.md").locator("tr[data-run]").innerText(), { timeout: 30_000 }).toMatch(/^qa\s+failed\s+\S*\s*\S+\s+3\s/);
    expect(await itemRuns("docs/qa/b.md").locator("tr[data-run]").innerText()).toMatch(/^qa\s+succeeded/);

    // Fixed, then retried from its row: it runs again and the task completes, as `task retry` would have it.
    project.write("docs/qa/a.md.ok", "");
    const a = page.locator("tr", { has: page.locator("td", { hasText: /^docs\/qa\/a\.md$/ }) }).filter({ has: page.getByRole("button", { name: "Retry" }) });
    await a.getByRole("button", { name: "Retry" }).click();
    await expect.poll(() => page.locator("[data-test=action-note]").innerText(), { timeout: 30_000 }).toMatch(/^item docs\/qa\/a\.md \(i-\S+\) set back to pending; task flaky \(t-\S+\) queued/);
    await expect.poll(() => page.locator("[data-test=phase]").innerText(), { timeout: 60_000 }).toBe("Completed");
    await expect.poll(() => itemRuns("docs/qa/a.md").locator("tr[data-run]").count(), { timeout: 30_000 }).toBe(2);
    expect(phaseOf(project, id)).toBe("Completed");
    const retried = (JSON.parse(project.run(["event", "list", "--task", id, "--type", "item_retried", "-o", "json"]).stdout) as { items: Array<{ actor: string }> }).items;
    expect(retried.map((e) => e.actor)).toEqual(["web"]);
    expect(errors).toEqual([]);
  });
});

describe("serving the web view: settings and refusals", { timeout: 120_000 }, () => {
  it("refuses a bind other machines can reach without a token, and a malformed one, before starting anything", () => {
    project = initializedProject();
    const open = project.run(["controller", "--foreground", "--ui-bind", "0.0.0.0:0"]);
    expect(open.code).toBe(1);
    expect(open.stderr).toMatch(/--ui-bind 0\.0\.0\.0:0 accepts connections from other machines, so the web view needs a token: give --ui-token-file FILE/);
    const bad = project.run(["controller", "--foreground", "--ui-bind", "localhost"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--ui-bind 'localhost' is not HOST:PORT or none/);
    const short = project.write("short-token", "abc");
    const tooShort = project.run(["ui", "--bind", "127.0.0.1:0", "--token-file", short]);
    expect(tooShort.code).toBe(1);
    expect(tooShort.stderr).toMatch(/--token-file .*short-token: the token must be at least 16 characters/);
    expect(JSON.parse(project.run(["controller", "status", "-o", "json"]).stdout)).toMatchObject({ kind: "ControllerStatus", running: false });
  });

  it("stops when an address it was given is taken, and serves nothing with none", async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    const port = (blocker.address() as { port: number }).port;
    try {
      project = initializedProject();
      const taken = project.run(["controller", "--foreground", "--ui-bind", `127.0.0.1:${port}`]);
      expect(taken.code).toBe(1);
      expect(taken.stderr).toContain(`cannot listen on http://127.0.0.1:${port}: the address is in use; choose another address with --ui-bind HOST:PORT, or --ui-bind none`);
      expect(JSON.parse(project.run(["controller", "status", "-o", "json"]).stdout)).toMatchObject({ kind: "ControllerStatus", running: false });
      const ui = project.run(["ui", "--bind", `127.0.0.1:${port}`]);
      expect(ui.code).toBe(1);
      expect(ui.stderr).toContain(`cannot listen on http://127.0.0.1:${port}: the address is in use`);
    } finally {
      blocker.close();
    }
    controller = await startController(project!.dir, ["--ui-bind", "none"]);
    expect(controller.log()).not.toContain("web view");
    expect(JSON.parse(project!.run(["controller", "status", "-o", "json"]).stdout)).toMatchObject({ running: true, webView: null });
  });

  it("runs without the view, saying so, when something else holds the default address", async () => {
    const blocker = createServer();
    // Held here, or by something else on this machine already: either way the controller cannot have it.
    await new Promise<void>((r) => {
      blocker.once("error", () => r());
      blocker.listen(19091, "127.0.0.1", r);
    });
    try {
      project = initializedProject();
      controller = await startController(project.dir, [], { ORCHESTRATOR_UI_BIND: "" });
      await until("the controller to say why it serves no web view", () => controller!.log().includes("web view not served"));
      expect(controller.log()).toContain("web view not served: cannot listen on http://127.0.0.1:19091: the address is in use; start the controller with --ui-bind HOST:PORT to serve it elsewhere, or --ui-bind none");
      expect(JSON.parse(project.run(["controller", "status", "-o", "json"]).stdout)).toMatchObject({ running: true });
    } finally {
      blocker.close();
    }
  });

  it("the environment sets the address for controllers started in the background", async () => {
    project = initializedProject({ "m.yaml": MANIFESTS });
    expect(project.run(["apply", "-f", "m.yaml"]).code).toBe(0);
    const env = { ORCHESTRATOR_NO_DAEMON: "", ORCHESTRATOR_UI_BIND: "127.0.0.1:0" };
    const created = project.run(["task", "create", "--workflow", "ticks", "--no-start"], { env });
    const id = created.stdout.trim();
    expect(project.run(["task", "start", id], { env }).stdout).toContain("started a controller in the background");
    expect(project.run(["controller", "status"]).stdout).toMatch(/^controller running/);
    try {
      const logPath = join(project.dir, ".orchestrator/controller.log");
      await until("the background controller to serve the web view", () => existsSync(logPath) && /web view at http:\/\/127\.0\.0\.1:\d+\//.test(readFileSync(logPath, "utf8")));
      const url = /web view at (http:\/\/\S+?)\//.exec(readFileSync(logPath, "utf8"))![1]!;
      const r = await fetch(`${url}/api/v1/controller`);
      expect(((await r.json()) as { running: boolean }).running).toBe(true);
    } finally {
      expect(project.run(["controller", "stop"]).code).toBe(0);
    }
  });
});
