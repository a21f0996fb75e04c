/**
 * @module `orchestrator version [--client] [-o json|yaml]` and
 * `orchestrator --version`. There is no server of another version to ask
 * (the controller runs this package), so the client's version is the
 * version; `--client` is taken as kubectl users type it.
 */
import { readFileSync } from "node:fs";
import type { OutputFormat } from "../output/format.js";
import { printObject } from "../output/printer.js";

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

export function versionInfo(): { version: string; apiVersion: string; node: string; platform: string } {
  return { version: packageVersion(), apiVersion: "orchestrator.dev/v2", node: process.versions.node, platform: `${process.platform}/${process.arch}` };
}

export function versionCommand(opts: { json?: boolean; client?: boolean; output?: OutputFormat }): void {
  const info = versionInfo();
  // `--json` is the old spelling of `-o json`.
  const output: OutputFormat | undefined = opts.json ? { type: "json" } : opts.output;
  printObject("Version", { clientVersion: info }, info.version, { ...(output ? { output } : {}) }, () => `orchestrator ${info.version} (${info.apiVersion}, node ${info.node}, ${info.platform})\n`);
}
