/**
 * @module What the shell command around a placeholder does with it, judged
 * from the words of that simple command up to the placeholder. Two things
 * are found: arguments that bash reads as variable names (`read {x}`,
 * `printf -v {x}`, `declare -i`, `unset`, `[[ -v {x} ]]`, `a[{x}]=`), where
 * a value such as `a[$(cmd)]` runs `cmd` because bash evaluates an array
 * subscript when it meets one; and text that a second shell parses again
 * (`eval`, `sh -c '...'`, `su -c`, `ssh host ...`), where a value runs as
 * shell code whatever the quoting of the first. The first kind is refused;
 * the second is the template's choice and is warned about.
 */

/** The simple command up to a placeholder: its words, and the word the placeholder is in (so far). */
export interface CommandAtPlaceholder {
  /** Complete words before the placeholder's word, quotes kept. */
  words: string[];
  /** The text of the placeholder's word before the placeholder. */
  current: string;
}

/** Splits shell text into words on unquoted blanks, keeping quotes; `$(...)` and `${...}` stay inside their word. */
export function commandAt(text: string): CommandAtPlaceholder {
  const words: string[] = [];
  let word = "";
  let quote: "'" | '"' | undefined;
  let nest = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === "\\" && quote === '"') {
        word += text.slice(i, i + 2);
        i++;
        continue;
      }
      if (c === quote) quote = undefined;
      word += c;
      continue;
    }
    if (c === "\\") {
      word += text.slice(i, i + 2);
      i++;
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if ((c === "(" || c === "{") && text[i - 1] === "$") nest++;
    else if ((c === ")" || c === "}") && nest > 0) nest--;
    else if ((c === " " || c === "\t") && nest === 0) {
      if (word) words.push(word);
      word = "";
      continue;
    }
    word += c;
  }
  return { words, current: word };
}

/** Words that may stand before the command word. */
const KEYWORDS = new Set(["if", "then", "else", "elif", "do", "while", "until", "!", "time", "{", "(", "exec", "command", "builtin", "coproc"]);
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=/;

/** The command word's index, past keywords and assignments; undefined when the placeholder is (in) the command word. */
function commandIndex(words: readonly string[]): number | undefined {
  let k = 0;
  while (k < words.length && (KEYWORDS.has(words[k]!) || ASSIGNMENT.test(words[k]!))) k++;
  return k < words.length ? k : undefined;
}

/** Bare text of a word (quotes removed), enough to read options and names. */
function unquoted(word: string): string {
  return word.replace(/^\$'/, "").replace(/['"]/g, "");
}

const NAME_ARGUMENT_COMMANDS = new Set(["read", "mapfile", "readarray", "unset", "getopts", "wait"]);
const DECLARING = new Set(["declare", "typeset", "local", "export", "readonly"]);

/**
 * Where bash would take the placeholder's value as a variable name (and
 * evaluate an array subscript in it), described for an error; undefined
 * when it would not.
 */
export function nameArgumentContext(at: CommandAtPlaceholder): string | undefined {
  const { words, current } = at;
  const bare = unquoted(current);
  // `a[{x}]=1`, or any word that is writing an array subscript when the placeholder comes.
  if (/^[A-Za-z_][A-Za-z0-9_]*\[[^\]]*$/.test(bare)) return "an array subscript";
  const k = commandIndex(words);
  if (k === undefined) return undefined;
  const cmd = unquoted(words[k]!);
  const args = words.slice(k + 1).map(unquoted);
  const previous = args[args.length - 1];
  if (cmd === "let") return "a let command";
  if (NAME_ARGUMENT_COMMANDS.has(cmd)) return `the arguments of ${cmd}`;
  if (cmd === "printf" && previous === "-v") return "the variable name of printf -v";
  if ((cmd === "test" || cmd === "[") && (previous === "-v" || previous === "-R")) return `the variable name of ${cmd} ${previous}`;
  if (DECLARING.has(cmd)) {
    const flags = args.filter((a) => /^[-+][A-Za-z]+$/.test(a)).join("");
    if (/[in]/.test(flags)) return `a ${cmd} ${flags.includes("i") ? "-i (integer) command" : "-n (name reference) command"}`;
    if (!bare.includes("=")) return `the variable name of ${cmd}`;
  }
  return undefined;
}

const SHELLS = new Set(["sh", "bash", "dash", "zsh", "ksh", "ash", "mksh", "fish"]);
/** Commands that run the rest of their words as another command. */
const WRAPPERS = new Set(["sudo", "doas", "env", "nohup", "nice", "ionice", "timeout", "xargs", "stdbuf", "setsid", "chroot", "flock", "runuser"]);

/** A command that parses the placeholder's text as shell code a second time, described for a warning. */
export interface Reevaluation {
  /** The command's name (`bash`, `ssh`, `eval`). */
  command: string;
  /** What parses the text, completing "text that ...": `bash -c parses as shell code again`. */
  parsedBy: string;
  /** The command takes positional parameters after its script (`bash -c '...' _ {x}`), where a value stays data. */
  takesPositional: boolean;
}

/**
 * The command that parses the placeholder's text as shell code a second
 * time (`eval`, `bash -c`, `su -c`, `ssh`, `watch`), for a warning;
 * undefined when none does.
 */
export function reevaluatingCommand(at: CommandAtPlaceholder): Reevaluation | undefined {
  const { words } = at;
  let k = commandIndex(words);
  if (k === undefined) return undefined;
  // Past wrappers, their options and their plain arguments (timeout 10, env A=b, sudo -u x).
  for (;;) {
    const w = basename(unquoted(words[k]!));
    if (!WRAPPERS.has(w)) break;
    k++;
    while (k < words.length && (unquoted(words[k]!).startsWith("-") || ASSIGNMENT.test(words[k]!) || /^\d+[smhd]?$/.test(unquoted(words[k]!)))) {
      const opt = unquoted(words[k]!);
      k++;
      // An option that takes a value (sudo -u root, flock -w 5 file).
      if (/^-[ugwCDE]$/.test(opt) && k < words.length) k++;
    }
    if (k >= words.length) return undefined;
  }
  const cmd = basename(unquoted(words[k]!));
  const args = words.slice(k + 1).map(unquoted);
  if (cmd === "eval") return { command: "eval", parsedBy: "eval parses as shell code again", takesPositional: false };
  // ssh joins its arguments with spaces into one command line for the remote shell: positional parameters are parsed too.
  if (cmd === "ssh") return args.some((a) => !a.startsWith("-")) ? { command: "ssh", parsedBy: "ssh sends to the remote host, whose shell parses it as shell code again", takesPositional: false } : undefined;
  if (cmd === "watch") return { command: "watch", parsedBy: "watch runs with sh -c, which parses it as shell code again", takesPositional: false };
  const c = args.findIndex((a) => a === "-c" || /^-[A-Za-z]*c$/.test(a));
  // The script is the word right after -c; words after it are positional parameters ($1 ...), which are safe.
  if ((SHELLS.has(cmd) || cmd === "su" || cmd === "busybox") && c >= 0 && c === args.length - 1) return { command: cmd, parsedBy: `${cmd} -c parses as shell code again`, takesPositional: true };
  return undefined;
}

function basename(word: string): string {
  return word.slice(word.lastIndexOf("/") + 1);
}
