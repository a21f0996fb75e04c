/**
 * @module Quoting-aware substitution of `{var}` placeholders into an agent's
 * shell command, such that no value can ever run as shell code.
 *
 * How: a placeholder is never replaced by its value. It is replaced by a
 * reference to an environment variable (`${ORCH_P_0}`), and the value is
 * returned in `env` for the runner to pass to `/bin/sh -c`. The command text
 * is therefore a function of the template and the placeholder names only; no
 * byte of any value is ever parsed by the shell. That is the safety argument,
 * and it holds even if the lexer below misjudged a quoting context.
 *
 * The lexer's job is only correctness: it tracks the quoting context so the
 * reference is written in the form that expands to the exact text there:
 *
 * | context                  | `{v}` becomes        |
 * |--------------------------|----------------------|
 * | unquoted                 | `"${ORCH_P_0}"`      |
 * | inside `"..."`           | `${ORCH_P_0}`        |
 * | inside `'...'`           | `'"${ORCH_P_0}"'`    |
 * | inside `$'...'` (bash)   | `'"${ORCH_P_0}"$'`   |
 * | unquoted here-document   | `${ORCH_P_0}`        |
 *
 * `$(...)` and backticks open a fresh unquoted context; `${...}` keeps the
 * surrounding one. A placeholder in a comment is left as written. A
 * placeholder in a quoted here-document (`<<'EOF'`) cannot expand at all and
 * is rejected. Placeholders without a value are left as written.
 *
 * One caveat holds for any expansion: bash evaluates the text of a variable
 * as an arithmetic expression in `$((...))`, `((...))`, `$[...]`, `let`,
 * `[[ a -eq b ]]`, array subscripts and `${v:offset}`, and such evaluation
 * can run `a[$(cmd)]`. A placeholder in any of those is rejected. Templates
 * that evaluate text on purpose (`eval`, `sh -c "{x}"`, `declare -i`) run
 * what they evaluate; that is the template's choice, not a value's.
 */
import { placeholderAt } from "./prompt/placeholder.js";
import { commandAt, nameArgumentContext, type CommandAtPlaceholder } from "./shell-words.js";

export interface RenderedCommand {
  /** The command for `/bin/sh -c`; holds references, never values. */
  command: string;
  /** Variables the command references; merge into the process environment. */
  env: Record<string, string>;
}

/** Prefix of the environment variables that carry placeholder values. */
export const PLACEHOLDER_ENV_PREFIX = "ORCH_P_";

export class CommandTemplateError extends Error {
  override name = "CommandTemplateError";
}

type Frame =
  | { kind: "bare"; end: ")" | "`" | "]]" | null; depth: number; start: number; placeholders: string[]; cmdStart: number }
  | { kind: "dq" }
  | { kind: "sq" }
  | { kind: "ansi" }
  | { kind: "param"; inDq: boolean; depth: number; start: number }
  | { kind: "arith"; end: "))" | "]"; depth: number };

const bare = (end: ")" | "`" | "]]" | null, start: number): Frame => ({ kind: "bare", end, depth: 0, start, placeholders: [], cmdStart: start });

interface Heredoc {
  delimiter: string;
  quoted: boolean;
  stripTabs: boolean;
}

/** Characters that end an unquoted word (and so may precede a comment `#`). */
const WORD_BREAK = new Set([" ", "\t", "\n", ";", "&", "|", "(", ")", "<", ">"]);

export interface RenderOptions {
  /** Called with each placeholder that has a value and the simple command it stands in (validation uses it to warn). */
  observe?: (name: string, at: CommandAtPlaceholder) => void;
}

/**
 * Renders `template`, replacing each `{name}` that has a value in `vars` by a
 * reference to an environment variable holding that value.
 */
export function renderCommand(template: string, vars: Record<string, string>, opts: RenderOptions = {}): RenderedCommand {
  const env: Record<string, string> = {};
  const envNameOf = new Map<string, string>();
  const ref = (name: string): string => {
    let envName = envNameOf.get(name);
    if (envName === undefined) {
      envName = `${PLACEHOLDER_ENV_PREFIX}${envNameOf.size}`;
      envNameOf.set(name, envName);
      // A process environment cannot hold NUL; no shell word can either.
      env[envName] = (vars[name] ?? "").replaceAll("\0", "");
    }
    return `\${${envName}}`;
  };
  const hasValue = (name: string): boolean => Object.prototype.hasOwnProperty.call(vars, name);

  const stack: Frame[] = [bare(null, 0)];
  const pending: Heredoc[] = [];
  let out = "";
  let i = 0;
  const t = template;

  while (i < t.length) {
    const top = stack[stack.length - 1]!;
    const ch = t[i]!;

    if (ch === "{") {
      const m = placeholderAt(t, i);
      if (m && hasValue(m.name)) {
        refuseArithmetic(t, i, m.name, stack);
        const at = commandAt(t.slice(innermostBare(stack).cmdStart, i));
        refuseNameArgument(at, m.name);
        opts.observe?.(m.name, at);
        out += referenceFor(top, ref(m.name));
        i = m.end;
        continue;
      }
    }

    switch (top.kind) {
      case "sq":
        if (ch === "'") stack.pop();
        out += ch;
        i++;
        continue;
      case "ansi":
        if (ch === "\\") {
          out += t.slice(i, i + 2);
          i += 2;
          continue;
        }
        if (ch === "'") stack.pop();
        out += ch;
        i++;
        continue;
      case "dq":
        if (ch === "\\") {
          out += t.slice(i, i + 2);
          i += 2;
          continue;
        }
        if (ch === '"') stack.pop();
        else if (ch === "`") stack.push(bare("`", i + 1));
        else if (ch === "$" && (t.startsWith("$((", i) || t[i + 1] === "[")) {
          const open = t[i + 1] === "[" ? "$[" : "$((";
          stack.push({ kind: "arith", end: open === "$[" ? "]" : "))", depth: 0 });
          out += open;
          i += open.length;
          continue;
        } else if (ch === "$" && t[i + 1] === "(") {
          stack.push(bare(")", i + 2));
          out += "$(";
          i += 2;
          continue;
        } else if (ch === "$" && t[i + 1] === "{") {
          stack.push({ kind: "param", inDq: true, depth: 0, start: i + 2 });
          out += "${";
          i += 2;
          continue;
        }
        out += ch;
        i++;
        continue;
      case "arith":
        if (ch === "(") top.depth++;
        else if (top.end === "]" && ch === "]") stack.pop();
        else if (ch === ")") {
          if (top.depth > 0) top.depth--;
          else if (top.end === "))" && t[i + 1] === ")") {
            stack.pop();
            out += "))";
            i += 2;
            continue;
          }
        }
        out += ch;
        i++;
        continue;
      case "param":
      case "bare": {
        if (ch === "\\") {
          out += t.slice(i, i + 2);
          i += 2;
          continue;
        }
        if (ch === "'") stack.push({ kind: "sq" });
        else if (ch === '"') stack.push({ kind: "dq" });
        else if (ch === "$" && t[i + 1] === "'") {
          stack.push({ kind: "ansi" });
          out += "$'";
          i += 2;
          continue;
        } else if (ch === "$" && (t.startsWith("$((", i) || t[i + 1] === "[")) {
          const open = t[i + 1] === "[" ? "$[" : "$((";
          stack.push({ kind: "arith", end: open === "$[" ? "]" : "))", depth: 0 });
          out += open;
          i += open.length;
          continue;
        } else if (ch === "$" && t[i + 1] === "(") {
          stack.push(bare(")", i + 2));
          out += "$(";
          i += 2;
          continue;
        } else if (ch === "$" && t[i + 1] === "{") {
          stack.push({ kind: "param", inDq: false, depth: 0, start: i + 2 });
          out += "${";
          i += 2;
          continue;
        } else if (ch === "`") {
          if (top.kind === "bare" && top.end === "`") stack.pop();
          else stack.push(bare("`", i + 1));
        } else if (top.kind === "bare" && atCommandStart(t, i) && t.startsWith("((", i)) {
          stack.push({ kind: "arith", end: "))", depth: 0 });
          out += "((";
          i += 2;
          continue;
        } else if (top.kind === "bare" && atCommandStart(t, i) && /^\[\[[ \t]/.test(t.slice(i, i + 3))) {
          stack.push(bare("]]", i + 2));
          out += "[[";
          i += 2;
          continue;
        } else if (top.kind === "bare" && top.end === "]]" && t.startsWith("]]", i) && WORD_BREAK.has(t[i - 1] ?? " ")) {
          refuseArithmeticTest(t.slice(top.start, i), top.placeholders);
          stack.pop();
          out += "]]";
          i += 2;
          continue;
        } else if (top.kind === "param") {
          if (ch === "{") top.depth++;
          else if (ch === "}") {
            if (top.depth === 0) stack.pop();
            else top.depth--;
          }
        } else if (ch === "(" && top.end === ")") top.depth++;
        else if (ch === ")" && top.end === ")") {
          if (top.depth === 0) stack.pop();
          else top.depth--;
        } else if (ch === "#" && (i === 0 || WORD_BREAK.has(t[i - 1]!))) {
          const nl = t.indexOf("\n", i);
          const stop = nl === -1 ? t.length : nl;
          out += t.slice(i, stop);
          i = stop;
          continue;
        } else if (ch === "<" && t[i + 1] === "<" && t[i + 2] !== "<") {
          const parsed = readHeredocOperator(t, i);
          if (parsed) {
            pending.push(parsed.heredoc);
            out += t.slice(i, parsed.end);
            i = parsed.end;
            continue;
          }
        } else if (ch === "\n" && pending.length > 0) {
          out += ch;
          i++;
          for (const doc of pending.splice(0)) {
            const body = renderHeredocBody(t, i, doc, ref, hasValue);
            out += body.text;
            i = body.end;
          }
          if (top.kind === "bare") top.cmdStart = i;
          continue;
        }
        // A new simple command starts after a separator (but `2>&1`, `&>` and `>|` are redirections).
        if (top.kind === "bare" && SEPARATORS.has(ch) && !(ch === "&" && (/[<>]/.test(t[i - 1] ?? "") || t[i + 1] === ">")) && !(ch === "|" && t[i - 1] === ">")) {
          top.cmdStart = i + 1;
        }
        out += ch;
        i++;
        continue;
      }
    }
  }

  if (stack.length > 1) {
    const open = stack[stack.length - 1]!;
    throw new CommandTemplateError(`command template has an unterminated ${describeFrame(open)}: ${abbreviate(template)}`);
  }
  return { command: out, env };
}

/** Bash would evaluate the expansion as arithmetic here, and so could run `a[$(cmd)]`. */
function refuseArithmetic(t: string, at: number, name: string, stack: readonly Frame[]): void {
  const refuse = (where: string): never => {
    throw new CommandTemplateError(
      `placeholder {${name}} is inside ${where}, where bash evaluates the value as an arithmetic expression ` +
        `(which can run commands); move it out, e.g. compute in the agent or pass a fixed number`,
    );
  };
  for (const frame of stack) {
    if (frame.kind === "arith") refuse(frame.end === "]" ? "$[...]" : "((...))");
    if (frame.kind === "param" && !/^[#!]?[A-Za-z_][A-Za-z0-9_]*(:?[-=+?]|##?|%%?|\/\/?|\^\^?|,,?)/.test(t.slice(frame.start, at))) {
      refuse("a ${...} subscript or offset");
    }
    if (frame.kind === "bare" && frame.end === "]]") frame.placeholders.push(name);
  }
  if (/(?:^|[;&|\n(`]|\$\()[ \t]*let[ \t][^;&|\n]*$/.test(t.slice(0, at))) refuse("a let command");
}

/** `[[ a -eq b ]]` and friends compare arithmetically; `[[ -v name ]]` evaluates the subscript of a name. */
function refuseArithmeticTest(body: string, placeholders: readonly string[]): void {
  if (placeholders.length > 0 && /(^|\s)-(eq|ne|lt|le|gt|ge)(\s|$)/.test(body)) {
    throw new CommandTemplateError(
      `placeholder {${placeholders[0]}} is inside [[ ... ]] with an arithmetic comparison, where bash evaluates the value ` +
        `as an expression (which can run commands); compare with [ ... ] instead`,
    );
  }
  if (placeholders.length > 0 && /(^|\s)-[vR](\s|$)/.test(body)) {
    throw new CommandTemplateError(
      `placeholder {${placeholders[0]}} is inside [[ -v ... ]], where bash reads the value as a variable name and evaluates ` +
        `its array subscript (which can run commands); test the value with [[ -n ... ]] instead`,
    );
  }
}

/** Characters after which a new simple command begins. */
const SEPARATORS = new Set([";", "&", "|", "\n", "(", ")", "{", "}"]);

function innermostBare(stack: readonly Frame[]): Extract<Frame, { kind: "bare" }> {
  for (let k = stack.length - 1; k >= 0; k--) {
    const f = stack[k]!;
    if (f.kind === "bare") return f;
  }
  return stack[0] as Extract<Frame, { kind: "bare" }>;
}

/** Bash would read the value as a variable name, and evaluate an array subscript in it (`a[$(cmd)]` runs cmd). */
function refuseNameArgument(at: CommandAtPlaceholder, name: string): void {
  const where = nameArgumentContext(at);
  if (!where) return;
  throw new CommandTemplateError(
    `placeholder {${name}} is in ${where}, where bash takes the value as a variable name or an arithmetic expression and ` +
      `evaluates any array subscript in it (a value such as a[$(cmd)] runs cmd); pass the value as data instead, e.g. as an argument or on stdin`,
  );
}

/** True when `t[i]` begins a command word (after a separator, an opening or a keyword). */
function atCommandStart(t: string, i: number): boolean {
  let j = i - 1;
  while (j >= 0 && (t[j] === " " || t[j] === "\t")) j--;
  if (j < 0 || ";&|(\n{`".includes(t[j]!)) return true;
  const word = /([A-Za-z!]+)$/.exec(t.slice(Math.max(0, j - 5), j + 1))?.[1];
  return word !== undefined && ["then", "do", "else", "elif", "if", "while", "until", "!", "for"].includes(word);
}

function referenceFor(frame: Frame, reference: string): string {
  switch (frame.kind) {
    case "bare":
      return `"${reference}"`;
    case "dq":
      return reference;
    case "sq":
      return `'"${reference}"'`;
    case "ansi":
      return `'"${reference}"$'`;
    case "param":
      return frame.inDq ? reference : `"${reference}"`;
    case "arith":
      return reference;
  }
}

/** Parses `<<WORD`, `<<-WORD`, `<< 'WORD'` starting at `start` (the first `<`). */
function readHeredocOperator(t: string, start: number): { heredoc: Heredoc; end: number } | undefined {
  let i = start + 2;
  const stripTabs = t[i] === "-";
  if (stripTabs) i++;
  while (t[i] === " " || t[i] === "\t") i++;
  let delimiter = "";
  let quoted = false;
  while (i < t.length && !WORD_BREAK.has(t[i]!)) {
    const c = t[i]!;
    if (c === "'" || c === '"') {
      quoted = true;
      const close = t.indexOf(c, i + 1);
      if (close === -1) return undefined;
      delimiter += t.slice(i + 1, close);
      i = close + 1;
    } else if (c === "\\") {
      quoted = true;
      delimiter += t[i + 1] ?? "";
      i += 2;
    } else {
      delimiter += c;
      i++;
    }
  }
  if (delimiter === "") return undefined;
  return { heredoc: { delimiter, quoted, stripTabs }, end: i };
}

/** Copies one here-document body (through its delimiter line), substituting placeholders. */
function renderHeredocBody(
  t: string,
  start: number,
  doc: Heredoc,
  ref: (name: string) => string,
  hasValue: (name: string) => boolean,
): { text: string; end: number } {
  let text = "";
  let i = start;
  while (i < t.length) {
    const nl = t.indexOf("\n", i);
    const lineEnd = nl === -1 ? t.length : nl;
    const line = t.slice(i, lineEnd);
    const next = nl === -1 ? t.length : nl + 1;
    if ((doc.stripTabs ? line.replace(/^\t+/, "") : line) === doc.delimiter) {
      return { text: text + t.slice(i, next), end: next };
    }
    text += renderHeredocLine(line, doc, ref, hasValue) + t.slice(lineEnd, next);
    i = next;
  }
  return { text, end: i };
}

function renderHeredocLine(
  line: string,
  doc: Heredoc,
  ref: (name: string) => string,
  hasValue: (name: string) => boolean,
): string {
  let out = "";
  let i = 0;
  while (i < line.length) {
    if (!doc.quoted && line[i] === "\\") {
      out += line.slice(i, i + 2);
      i += 2;
      continue;
    }
    const m = line[i] === "{" ? placeholderAt(line, i) : undefined;
    if (m && hasValue(m.name)) {
      if (doc.quoted) {
        throw new CommandTemplateError(
          `placeholder {${m.name}} is inside a quoted here-document (<<'${doc.delimiter}'), where nothing expands; ` +
            `use an unquoted delimiter (<<${doc.delimiter}) or pass the value another way`,
        );
      }
      out += ref(m.name);
      i = m.end;
      continue;
    }
    out += line[i];
    i++;
  }
  return out;
}

function describeFrame(frame: Frame): string {
  switch (frame.kind) {
    case "sq":
      return "single quote (')";
    case "dq":
      return 'double quote (")';
    case "ansi":
      return "$'...' quote";
    case "param":
      return "${...} expansion";
    case "bare":
      return frame.end === "`" ? "backtick (`)" : frame.end === "]]" ? "[[ test" : "$(...) substitution";
    case "arith":
      return "arithmetic expansion";
  }
}

function abbreviate(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
