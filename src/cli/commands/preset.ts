/**
 * @module `orchestrator preset list|show|apply`: ready-made Agent manifests
 * for real coding agents (Claude Code, Codex CLI, Gemini CLI, OpenCode),
 * shipped in the package's `presets/`, plus `echo`, the example agents of
 * `manifests/agents.yaml`. Presets live outside `manifests/` on purpose:
 * `apply -f manifests/` reads folders recursively and must keep giving the
 * examples their echo agents only.
 */
import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { isObject } from "../../resources/schemas/common.js";
import { UsageError } from "../errors.js";
import { writeOut } from "../output/io.js";
import { printList, type ListFlags, type Listing } from "../output/printer.js";
import { applyCommand } from "./apply.js";

/** The annotation that says which release of the tool a preset was written for. */
export const WRITTEN_FOR_ANNOTATION = "orchestrator.dev/written-for";

const PACKAGE_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

export interface Preset {
  name: string;
  file: string;
  agents: string[];
  capabilities: string[];
  writtenFor: string;
  description: string;
}

/** Every preset, `echo` first, then the files of `presets/` by name. */
export function listPresets(): Preset[] {
  const dir = join(PACKAGE_ROOT, "presets");
  const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
  return [
    describePreset("echo", join(PACKAGE_ROOT, "manifests", "agents.yaml")),
    ...files.map((f) => describePreset(basename(f).replace(/\.ya?ml$/, ""), join(dir, f))),
  ];
}

function describePreset(name: string, file: string): Preset {
  const docs = parseAllDocuments(readFileSync(file, "utf8")).map((d) => d.toJS() as unknown).filter(isObject);
  const agents = docs.filter((d) => d["kind"] === "Agent");
  const meta = (d: Record<string, unknown>): Record<string, unknown> => (isObject(d["metadata"]) ? d["metadata"] : {});
  const spec = (d: Record<string, unknown>): Record<string, unknown> => (isObject(d["spec"]) ? d["spec"] : {});
  const annotations = agents.map((a) => meta(a)["annotations"]).find(isObject) ?? {};
  const caps = new Set(agents.flatMap((a) => (Array.isArray(spec(a)["capabilities"]) ? (spec(a)["capabilities"] as unknown[]).map(String) : [])));
  return {
    name,
    file,
    agents: agents.map((a) => String(meta(a)["name"])),
    capabilities: [...caps],
    writtenFor: typeof annotations[WRITTEN_FOR_ANNOTATION] === "string" ? annotations[WRITTEN_FOR_ANNOTATION] : "/bin/sh (no API keys)",
    description: agents.length === 1 && typeof meta(agents[0]!)["description"] === "string" ? String(meta(agents[0]!)["description"]) : `${agents.length} example agents (shell commands, no API keys)`,
  };
}

function findPreset(ref: string): Preset {
  const all = listPresets();
  // `preset list -o name` prints `preset/NAME`; take it back as kubectl takes `kind/name`.
  const name = ref.startsWith("preset/") ? ref.slice("preset/".length) : ref;
  const p = all.find((x) => x.name === name);
  if (!p) throw new UsageError(`unknown preset '${name}'; presets: ${all.map((x) => x.name).join(", ")}`);
  return p;
}

/** A preset as `preset list` shows it: `kind: Preset` items, `-o name` as `preset/NAME`. */
const PRESET_LISTING: Listing<Preset> = {
  kind: "Preset",
  view: ({ file: _file, ...p }) => ({ ...p }),
  name: (p) => p.name,
  columns: [
    { header: "NAME", value: (p) => p.name },
    { header: "AGENTS", value: (p) => p.agents.join(",") },
    { header: "CAPABILITIES", value: (p) => p.capabilities.join(",") },
    { header: "WRITTEN FOR", value: (p) => p.writtenFor },
    { header: "DESCRIPTION", value: (p) => p.description, wide: true },
  ],
};

export function presetListCommand(opts: ListFlags): void {
  printList(PRESET_LISTING, listPresets(), opts);
}

export function presetShowCommand(name: string): void {
  writeOut(readFileSync(findPreset(name).file, "utf8"));
}

export async function presetApplyCommand(name: string, opts: { project?: string; dryRun?: boolean; daemon?: boolean }): Promise<void> {
  const p = findPreset(name);
  await applyCommand({ filename: [p.file], dryRun: !!opts.dryRun, daemon: opts.daemon !== false, output: "text", ...(opts.project ? { project: opts.project } : {}) });
}
