/**
 * The Triggers page in Debian's chromium, served by a real controller:
 * Suspend, Resume and Fire now on a trigger's row do what `trigger
 * suspend|resume|fire` do, the page shows the line the CLI would print,
 * and the CLI sees the result (the suspension in `get trigger`, the task
 * `trigger fire` would have made, run to the end by the controller).
 * Screenshots go to test-output/triggers/.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { docs, workflow, workspace } from "../reconcile/support/manifests.js";
import { launchBrowser, testOutputDir, type Browser } from "../support/browser.js";
import { initializedProject } from "../support/cli.js";
import { startController, stopAndRemove, until, type RunningController } from "../support/controller.js";

type Project = ReturnType<typeof initializedProject>;

// Once a year: nothing fires unless asked to.
const NIGHTLY = `apiVersion: orchestrator.dev/v2
kind: Trigger
metadata:
  name: yearly
spec:
  cron:
    schedule: "0 0 1 1 *"
  action:
    workflow: wf
    workspace: ws
`;

const OUT = testOutputDir(import.meta.filename);

let project: Project | undefined;
let controller: RunningController | undefined;
let browser: Browser | undefined;

afterEach(async () => {
  await browser?.close();
  browser = undefined;
  await stopAndRemove(controller, project);
  controller = undefined;
  project = undefined;
});

const suspendedBy = (p: Project): unknown => (JSON.parse(p.run(["get", "trigger", "yearly", "-o", "json"]).stdout) as { status?: { suspended?: { by: string } } }).status?.suspended?.by;
const tasks = (p: Project): Array<{ id: string; phase: string }> => (JSON.parse(p.run(["task", "list", "-o", "json"]).stdout) as { items: Array<{ id: string; phase: string }> }).items;

describe("the Triggers page", { timeout: 180_000 }, () => {
  it("suspends, resumes and fires a trigger from its row, saying what the CLI says, and the CLI sees it", async () => {
    project = initializedProject({ "setup.yaml": docs(workspace("ws"), workflow("wf", "'echo fired > fired.txt'"), NIGHTLY) });
    const applied = project.run(["apply", "-f", "setup.yaml"]);
    expect(applied.code, applied.stderr).toBe(0);
    const c = (controller = await startController(project.dir, ["--ui-bind", "127.0.0.1:0"]));
    await until("the web view to listen", () => /web view at http:\/\/\S+\//.test(c.log()), 60_000, () => c.child.exitCode !== null && `controller exited:\n${c.log()}`);
    const url = /web view at (http:\/\/\S+?)\/( |$)/m.exec(c.log())![1]!;

    browser = await launchBrowser();
    const { page } = browser;
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${url}/triggers`);
    const row = page.locator("[data-test=trigger-list] tbody tr", { hasText: "yearly" });
    const state = () => row.locator("td:nth-child(5)").innerText();
    const note = page.locator("[data-test=action-note]");
    await row.waitFor({ timeout: 60_000 });
    expect(await state()).toBe("active");

    await row.getByRole("button", { name: "Suspend" }).click();
    await expect.poll(() => note.innerText(), { timeout: 30_000 }).toBe("trigger/yearly suspended");
    expect(suspendedBy(project)).toBe("web");
    await expect.poll(state, { timeout: 30_000 }).toBe("suspended");
    expect(project.run(["trigger", "suspend", "yearly"]).stdout).toBe("trigger/yearly was already suspended\n");
    await page.screenshot({ path: join(OUT, "suspended.png") });

    await row.getByRole("button", { name: "Resume" }).click();
    await expect.poll(() => note.innerText(), { timeout: 30_000 }).toBe("trigger/yearly resumed");
    expect(suspendedBy(project)).toBeUndefined();
    await expect.poll(state, { timeout: 30_000 }).toBe("active");

    expect(tasks(project)).toEqual([]);
    await row.getByRole("button", { name: "Fire now" }).click();
    await expect.poll(() => note.innerText(), { timeout: 30_000 }).toMatch(/^trigger\/yearly fired: task\/\S+ created: queued; the running controller will pick it up$/);
    expect(await note.getAttribute("class")).toContain("ok");
    // The task the CLI lists, run to the end by the controller, and shown on the row as the last firing.
    await until("the fired task to complete", () => tasks(project!).some((t) => t.phase === "Completed"), 90_000);
    const [fired] = tasks(project);
    expect(readFileSync(join(project.dir, "fired.txt"), "utf8")).toBe("fired\n");
    await expect.poll(() => row.locator("td:nth-child(7)").innerText(), { timeout: 30_000 }).toMatch(new RegExp(`ago → ${fired!.id}$`));
    await page.screenshot({ path: join(OUT, "fired.png") });
    expect(errors).toEqual([]);
  });
});
