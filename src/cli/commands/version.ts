/**
 * @module `orchestrator version`.
 */
import { readFileSync } from "node:fs";
import { writeOut } from "../output/io.js";

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

export function versionCommand(opts: { json?: boolean }): void {
  const info = { version: packageVersion(), apiVersion: "orchestrator.dev/v2", node: process.versions.node, platform: `${process.platform}/${process.arch}` };
  writeOut(opts.json ? JSON.stringify(info) + "\n" : `orchestrator ${info.version} (${info.apiVersion}, node ${info.node}, ${info.platform})\n`);
}
