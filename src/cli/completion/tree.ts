/**
 * @module The completion tree: `@bomb.sh/tab`'s commander adapter reads the
 * commands, flags and flag choices from the program; this module adds what
 * comes from the store (kinds, resource names, sources, tasks, projects,
 * capabilities), from the presets and from the kind schemas.
 *
 * The adapter adds its own `completion` and `complete` commands to the
 * program it is given, so it is given a copy of the program's tree without
 * ours: the real program keeps loading nothing until a command runs.
 */
import tab from "@bomb.sh/tab/commander";
import type { Argument as TabArgument, Command as TabCommand, RootCommand } from "@bomb.sh/tab";
import { Command } from "commander";
import { findField, properties } from "../../resources/schemas/explain.js";
import { documentSchema } from "../../resources/schemas/publish.js";
import { KIND_SPECS } from "../../resources/schemas/index.js";
import { listPresets } from "../commands/preset.js";
import { offeredFormats } from "../output/format.js";
import type { Candidate, CompletionStore } from "./candidates.js";

/** The commands this module registers itself, left out of the copy the adapter sees. */
export const COMPLETION_COMMANDS = ["completion", "complete"];

/** What a handler knows about the command line being completed. */
export interface CompletionContext {
  /** Positional words already typed after the command's own name. */
  positionals: string[];
  /** The word being completed. */
  current: string;
  project: string | undefined;
  allProjects: boolean;
}

type Source = (ctx: CompletionContext, store: CompletionStore) => Candidate[];

const kinds: Source = (_ctx, store) => store.kinds();
const sources: Source = (_ctx, store) => store.sources();
const tasks: Source = (ctx, store) => store.tasks(ctx.project);
const presets: Source = () => listPresets().map((p) => ({ value: p.name, description: p.writtenFor }));
const namesOf = (kind: string): Source => (ctx, store) => {
  const k = store.registry().resolve(kind);
  return k ? store.names(k, ctx.project) : [];
};

/** `get KIND NAME`: the names of the kind typed before. */
const namesOfTypedKind: Source = (ctx, store) => {
  const k = ctx.positionals[0] ? store.registry().resolve(ctx.positionals[0]) : undefined;
  return k ? store.names(k, ctx.project, ctx.allProjects) : [];
};

/** `describe`/`delete`: a kind, then names (`agent coder`), or `agent/coder` once a slash is typed. */
const refs: Source = (ctx, store) => {
  const slash = ctx.current.indexOf("/");
  if (slash > 0) {
    const typed = ctx.current.slice(0, slash);
    const k = store.registry().resolve(typed);
    return k ? store.names(k, ctx.project).map((n) => ({ ...n, value: `${typed}/${n.value}` })) : [];
  }
  const first = ctx.positionals[0];
  if (first === undefined) return kinds(ctx, store);
  if (first.includes("/")) return [];
  const k = store.registry().resolve(first);
  return k ? store.names(k, ctx.project) : [];
};

/** `explain wf.spec.st` -> the fields below `wf.spec` that start with `st`. */
const explainPaths: Source = (ctx, store) => {
  const dot = ctx.current.lastIndexOf(".");
  if (dot < 0) return kinds(ctx, store).filter((k) => KIND_SPECS[store.registry().resolve(k.value)?.kind ?? ""]);
  const [kindArg, ...path] = ctx.current.slice(0, dot).split(".");
  const kind = store.registry().resolve(kindArg ?? "");
  if (!kind || !KIND_SPECS[kind.kind]) return [];
  const schema = documentSchema(kind.kind);
  try {
    const field = findField(schema, path);
    return Object.entries(properties(schema, field.schema)).map(([name, s]) => ({
      value: `${ctx.current.slice(0, dot)}.${name}`,
      description: typeof s["description"] === "string" ? firstSentence(s["description"]) : "",
    }));
  } catch {
    return [];
  }
};

/** Positional arguments, by command path and argument name. */
const ARGUMENTS: Record<string, Record<string, Source>> = {
  // `get KIND [NAME...]` or `get KIND/NAME...`, as describe and delete.
  get: { ref: refs, kind: kinds, name: namesOfTypedKind },
  describe: { ref: refs },
  delete: { ref: refs },
  schema: { kind: kinds },
  explain: { "kind.field.path": explainPaths },
  sync: { source: sources },
  diff: { source: sources },
  reconcile: { source: sources },
  "source remove": { name: sources },
  "source status": { name: sources },
  "source suspend": { name: sources },
  "source resume": { name: sources },
  "source tree": { name: sources },
  "preset show": { name: presets },
  "preset apply": { name: presets },
  ...Object.fromEntries(["info", "items", "logs", "watch", "start", "pause", "resume", "recover", "trace", "delete"].map((c) => [`task ${c}`, { id: tasks }])),
  ...Object.fromEntries(["suspend", "resume", "fire"].map((c) => [`trigger ${c}`, { name: namesOf("Trigger") }])),
  ...Object.fromEntries(["cordon", "uncordon", "drain"].map((c) => [`agent ${c}`, { name: namesOf("Agent") }])),
  "secret key revoke": { "key-id": (_ctx, store) => store.secretKeys() },
};

/** Option values, by long option name, on every command that has the option. */
const OPTIONS: Record<string, Source> = {
  workflow: namesOf("Workflow"),
  workspace: namesOf("Workspace"),
  template: namesOf("StepTemplate"),
  profile: namesOf("ExecutionProfile"),
  project: (_ctx, store) => store.projects(),
  "agent-capability": (ctx, store) => store.capabilities(ctx.project),
  task: tasks,
  "webhook-secret": namesOf("SecretStore"),
};

/**
 * The tab tree for `program`, with handlers that read `store` and know the
 * words typed so far (`words`: what the shell sent, the last word being completed).
 */
export function completionTree(program: Command, store: CompletionStore, words: readonly string[]): RootCommand {
  const copy = new Command(program.name());
  for (const c of program.commands) if (!COMPLETION_COMMANDS.includes(c.name())) copy.addCommand(c);
  const root = tab(copy, { completionCommandName: "completion" });
  const own = program.commands.find((c) => c.name() === "completion");
  const completion = root.commands.get("completion");
  if (own && completion) completion.description = own.description();
  const ctx = (): CompletionContext => contextOf(program, words);
  for (const [path, command] of root.commands) {
    for (const [name, source] of Object.entries(ARGUMENTS[path] ?? {})) {
      const arg = command.arguments.get(name);
      if (arg) setArgumentHandler(arg, () => source(ctx(), store));
    }
    for (const [name, source] of Object.entries(OPTIONS)) {
      const option = command.options.get(name);
      if (option) option.handler = (complete) => offer(complete, source(ctx(), store));
    }
    // `-o`: the formats this command offers (`jsonpath=` and `custom-columns=` end in `=`, the template follows).
    const output = command.options.get("output");
    const ownOutput = commandOf(copy, path.split(" ")).command.options.find((o) => o.long === "--output");
    const formats = ownOutput ? offeredFormats(ownOutput) : undefined;
    if (output && formats) output.handler = (complete) => offer(complete, [...formats].sort().map((f) => ({ value: f, description: "" })));
    // An optional value (`--dry-run[=server]`) is given with `=`: the next word is a flag or an argument, not its value.
    for (const o of commandOf(copy, path.split(" ")).command.options) {
      const own = o.optional && o.long ? command.options.get(o.long.slice(2)) : undefined;
      if (own) own.isBoolean = true;
    }
  }
  return root;
}

function setArgumentHandler(arg: TabArgument, list: () => Candidate[]): void {
  arg.handler = (complete) => offer(complete, list());
}

function offer(complete: (value: string, description: string) => void, candidates: readonly Candidate[]): void {
  for (const c of candidates) complete(c.value, c.description);
}

/** Positionals, project and -A of the words typed before the current one. */
export function contextOf(program: Command, words: readonly string[]): CompletionContext {
  const typed = words.slice(0, -1);
  const current = words[words.length - 1] ?? "";
  const { command, rest } = commandOf(program, typed);
  const positionals: string[] = [];
  let project: string | undefined;
  let allProjects = false;
  for (let i = 0; i < rest.length; i++) {
    const w = rest[i]!;
    if (!w.startsWith("-") || w === "-") {
      positionals.push(w);
      continue;
    }
    const [flag, inline] = w.split("=", 2) as [string, string | undefined];
    const option = findOption(command, flag);
    const value = option && (option.required || option.optional) && inline === undefined ? rest[++i] : inline;
    if (option?.long === "--project") project = value;
    if (option?.long === "--all-projects") allProjects = true;
  }
  return { positionals, current, project, allProjects };
}

/** The deepest command the words name, and the words after its name. */
export function commandOf(program: Command, words: readonly string[]): { command: Command; rest: string[] } {
  let command = program;
  let i = 0;
  for (; i < words.length; i++) {
    const next = command.commands.find((c) => c.name() === words[i] || c.aliases().includes(words[i]!));
    if (!next) break;
    command = next;
  }
  return { command, rest: words.slice(i) };
}

function findOption(command: Command, flag: string): import("commander").Option | undefined {
  for (let c: Command | null = command; c; c = c.parent) {
    const o = c.options.find((x) => x.long === flag || x.short === flag);
    if (o) return o;
  }
  return undefined;
}

function firstSentence(text: string): string {
  const end = text.search(/[.;:](\s|$)/);
  return end > 0 ? text.slice(0, end) : text;
}

export type { TabCommand };
