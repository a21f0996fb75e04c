/**
 * @module Debian's chromium driven through playwright-core, for the web
 * view's end-to-end tests: the system's `/usr/bin/chromium` (nothing is
 * downloaded), headless, with a fresh profile per launch, a folder per
 * test file for its screenshots, and readers for what a page shows in a
 * table column or a list of facts.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { chromium, type BrowserContext, type Locator, type Page } from "playwright-core";
import { REPO_ROOT } from "./cli.js";

export const CHROMIUM = "/usr/bin/chromium";

export const CHROMIUM_ARGS: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Closes the browser and removes its profile. */
  close(): Promise<void>;
}

/** Chromium with a profile of its own; fails with how to install it when the package is missing. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium); .ci/run does`);
  const profile = mkdtempSync(join(tmpdir(), "orch-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_ARGS],
    viewport: { width: 1400, height: 900 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** `test-output/<test file>/` in the checkout (TEST_OUTPUT_DIR overrides the root), created empty. */
export function testOutputDir(testFile: string): string {
  const root = process.env["TEST_OUTPUT_DIR"] ?? join(REPO_ROOT, "test-output");
  const dir = join(root, basename(testFile).replace(/\.test\.ts$/, ""));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The 1-based position of the column headed `header` in `table`; throws (naming the headers there) when there is none. */
export async function columnOf(table: Locator, header: string): Promise<number> {
  const headers = (await table.locator("xpath=./thead/tr/th").allTextContents()).map((h) => h.trim());
  const i = headers.indexOf(header);
  if (i < 0) throw new Error(`no column "${header}" in the table; its columns: ${headers.join(", ")}`);
  return i + 1;
}

/** What `row` of `table` shows in the column headed `header`, trimmed. */
export async function cellText(table: Locator, row: Locator, header: string): Promise<string> {
  const n = await columnOf(table, header);
  return (await row.locator(`xpath=./td[${n}]`).innerText()).trim();
}

/** What each body row of `table` shows in the column headed `header`, trimmed, top to bottom. */
export async function columnTexts(table: Locator, header: string): Promise<string[]> {
  const n = await columnOf(table, header);
  return (await table.locator(`xpath=./tbody/tr/td[${n}]`).allInnerTexts()).map((t) => t.trim());
}

/** The value beside the label `label` in a page's `dl.facts` list. */
export function fact(page: Page, label: string): Locator {
  return page.locator("dl.facts > dt", { hasText: new RegExp(`^${label}$`) }).locator("xpath=following-sibling::dd[1]");
}
