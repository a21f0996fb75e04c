/**
 * @module `orchestrator completion bash|zsh|fish|powershell` prints a script
 * that the shell sources; on every TAB that script runs the hidden
 * `orchestrator complete -- WORDS...`, which answers with candidates (one
 * `value<TAB>description` a line, then `:DIRECTIVE`), as `@bomb.sh/tab`'s
 * protocol has it. Values come from the program's commands and flags and,
 * for kinds and names, from the store of the current directory.
 */
import type { Command } from "commander";
import { CompletionStore } from "../completion/candidates.js";
import { commandOf, completionTree } from "../completion/tree.js";
import { writeOut } from "../output/io.js";

const PROGRAM = "orchestrator";

/** Flags whose value is a file or directory (the shell then offers paths). */
const PATH_OPTIONS = new Set(["--filename", "--dir"]);
/** Commands whose positional argument is a path. */
const PATH_ARGUMENTS = new Set(["watch"]);

export function completionCommand(shell: string, _opts: unknown, cmd: Command): void {
  let script = captured(() => completionTree(rootOf(cmd), new CompletionStore(), []).setup(PROGRAM, PROGRAM, shell));
  if (shell === "bash") {
    // tab's bash script offers no file names when the program answers none;
    // with `-o default` bash falls back to them, as zsh's and fish's scripts do.
    script = script.replace(/^complete -F (\S+) orchestrator$/m, "complete -o default -F $1 orchestrator");
  }
  writeOut(script);
}

export function completeCommand(words: string[], _opts: unknown, cmd: Command): void {
  const program = rootOf(cmd);
  if (wantsPath(program, words)) {
    // No candidates and directive 0: the shell completes file names itself.
    writeOut(":0\n");
    return;
  }
  const store = new CompletionStore();
  try {
    writeOut(captured(() => completionTree(program, store, words).parse([...words])));
  } finally {
    store.close();
  }
}

/** True when the word being completed is the value of -f/--filename or --dir, or `watch`'s path. */
function wantsPath(program: Command, words: readonly string[]): boolean {
  const typed = words.slice(0, -1);
  const prev = typed[typed.length - 1];
  const { command, rest } = commandOf(program, typed);
  if (prev?.startsWith("-")) {
    const option = command.options.find((o) => o.long === prev || o.short === prev);
    if (option && (option.required || option.optional)) return option.long !== undefined && PATH_OPTIONS.has(option.long);
  }
  const current = words[words.length - 1] ?? "";
  return PATH_ARGUMENTS.has(command.name()) && !current.startsWith("-") && rest.every((w) => w.startsWith("-"));
}

function rootOf(cmd: Command): Command {
  let c = cmd;
  while (c.parent) c = c.parent;
  return c;
}

/** tab prints with console.log; its text goes through writeOut like every other command's. */
function captured(fn: () => void): string {
  const lines: string[] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => {
    lines.push(args.map(String).join(" ") + "\n");
  };
  try {
    fn();
  } finally {
    console.log = original;
  }
  return lines.join("");
}
