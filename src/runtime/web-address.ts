/**
 * @module Where the running controller serves its web view:
 * `.orchestrator/controller.web` holds its pid and URL while it does, so
 * `controller status` can say where to look (the port may have been chosen
 * by the system).
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const WEB_ADDRESS_FILE = "controller.web";

export function writeWebAddress(dir: string, url: string): void {
  writeFileSync(join(dir, WEB_ADDRESS_FILE), JSON.stringify({ pid: process.pid, url }) + "\n");
}

export function removeWebAddress(dir: string): void {
  rmSync(join(dir, WEB_ADDRESS_FILE), { force: true });
}

/** The URL the controller with this pid serves its web view at, if it wrote one. */
export function readWebAddress(dir: string, pid: number): string | undefined {
  try {
    const v = JSON.parse(readFileSync(join(dir, WEB_ADDRESS_FILE), "utf8")) as { pid?: unknown; url?: unknown };
    return v.pid === pid && typeof v.url === "string" ? v.url : undefined;
  } catch {
    return undefined;
  }
}
