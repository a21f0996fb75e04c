/**
 * @module Debian's chromium driven through playwright-core, for the web
 * view's end-to-end tests: the system's `/usr/bin/chromium` (nothing is
 * downloaded), headless, with a fresh profile per launch, and a folder
 * per test file for its screenshots.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
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
