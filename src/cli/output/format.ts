/**
 * @module `-o, --output` as kubectl spells it: `table` (the default for
 * people; `text` is the same), `wide`, `json`, `yaml`, `name`,
 * `jsonpath=TEMPLATE` and `custom-columns=HEADER:PATH,...`. Commands that
 * have another human form (`diff -o markdown`) add it to their own list.
 */
import { InvalidArgumentError, Option } from "commander";
import { JsonPathError, parseJsonPath, type JsonPathTemplate } from "./jsonpath.js";

export type NamedFormat = "table" | "wide" | "json" | "yaml" | "name";

export interface CustomColumn {
  header: string;
  path: JsonPathTemplate;
}

export type OutputFormat =
  | { type: NamedFormat }
  /** A command's own human form other than a table (`markdown`). */
  | { type: "other"; name: string }
  | { type: "jsonpath"; template: JsonPathTemplate; source: string }
  | { type: "custom-columns"; columns: CustomColumn[] };

/** The formats every command that lists or shows things takes. */
export const LIST_FORMATS: readonly string[] = ["table", "wide", "json", "yaml", "name", "jsonpath=...", "custom-columns=..."];

/**
 * Parses one `-o` value; `extra` are the command's own formats beyond the
 * contract's; `offered`, when given, the only named formats and templates
 * the command takes (a command's result has no `wide` or `name`).
 */
export function parseOutputFormat(value: string, extra: readonly string[] = [], offered?: readonly string[]): OutputFormat {
  const v = value.trim();
  const formats = offered ? [...offered, ...extra] : [...LIST_FORMATS, ...extra];
  const refuse = (): FormatError => new FormatError(`unknown output format '${value}'; use one of: ${formats.join(", ")}`);
  const human = v === "text" || v === "table" || v === "";
  const takes = (name: string): boolean => !offered || offered.some((o) => o === name || o === `${name}=...` || (human && (o === "text" || o === "table")));
  const eq = v.indexOf("=");
  const head = eq < 0 ? v : v.slice(0, eq);
  if (!extra.includes(v) && !takes(head)) throw refuse();
  if (v === "text" || v === "table" || v === "") return { type: "table" };
  if (v === "wide" || v === "json" || v === "yaml" || v === "name") return { type: v };
  if (extra.includes(v)) return { type: "other", name: v };
  const body = eq < 0 ? "" : v.slice(eq + 1);
  if (head === "jsonpath") {
    if (!body) throw new FormatError("jsonpath needs a template: -o jsonpath='{.items[*].metadata.name}'");
    return { type: "jsonpath", template: parseTemplate(body, false), source: body };
  }
  if (head === "custom-columns") return { type: "custom-columns", columns: parseCustomColumns(body) };
  throw refuse();
}

/** The formats a command's result takes (`apply`, `diff`, `check`, ...): its text, and the machine forms of one object. */
export const RESULT_FORMATS: readonly string[] = ["text", "json", "yaml", "jsonpath=..."];

/** What `-o` offers on each command, for shell completion: `jsonpath=...` is offered as `jsonpath=`. */
const OFFERED = new WeakMap<Option, readonly string[]>();

export function offeredFormats(option: Option): readonly string[] | undefined {
  return OFFERED.get(option);
}

export class FormatError extends Error {
  override readonly name = "FormatError";
}

function parseTemplate(text: string, relaxed: boolean): JsonPathTemplate {
  try {
    return parseJsonPath(text, { relaxed });
  } catch (err) {
    if (err instanceof JsonPathError) throw new FormatError(err.message);
    throw err;
  }
}

/** `NAME:.metadata.name,PHASE:.status.phase`, as kubectl takes it. */
export function parseCustomColumns(spec: string): CustomColumn[] {
  if (!spec.trim()) throw new FormatError("custom-columns needs at least one HEADER:PATH, e.g. -o custom-columns=NAME:.metadata.name");
  return splitTopLevel(spec).map((part) => {
    const i = part.indexOf(":");
    if (i <= 0 || i === part.length - 1) throw new FormatError(`custom-columns: '${part}' is not HEADER:PATH (e.g. NAME:.metadata.name)`);
    return { header: part.slice(0, i).trim(), path: parseTemplate(part.slice(i + 1).trim(), true) };
  });
}

/** Splits on commas outside brackets and quotes (a filter may hold a comma). */
function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let cur = "";
  for (const c of s) {
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === "[" || c === "{" || c === "(") depth++;
    else if (c === "]" || c === "}" || c === ")") depth--;
    else if (c === "," && depth === 0) {
      out.push(cur);
      cur = "";
      continue;
    }
    cur += c;
  }
  out.push(cur);
  return out.map((x) => x.trim()).filter(Boolean);
}

/** `--sort-by .metadata.name` (or `{.metadata.name}`). */
export function parseSortBy(text: string): JsonPathTemplate {
  return parseTemplate(text, true);
}

/**
 * The `-o` option of a command: its default, the named formats it offers
 * (beyond jsonpath= and custom-columns=, which every listing takes), and
 * the value parsed into an OutputFormat by commander.
 */
export function outputOption(extra: readonly string[] = [], dflt = "table", offered?: readonly string[]): Option {
  const formats = [...(offered ?? LIST_FORMATS), ...extra];
  const option = new Option("-o, --output <format>", `output format: ${formats.join(", ")}`)
    .default(parseOutputFormat(dflt, extra, offered), dflt)
    .argParser((value: string) => {
      try {
        return parseOutputFormat(value, extra, offered);
      } catch (err) {
        if (err instanceof FormatError) throw new InvalidArgumentError(err.message);
        throw err;
      }
    });
  OFFERED.set(option, formats.map((f) => f.replace(/\.\.\.$/, "")));
  return option;
}

/** True for the forms meant for programs. */
export function isMachineFormat(f: OutputFormat): boolean {
  return f.type === "json" || f.type === "yaml" || f.type === "jsonpath" || f.type === "name" || f.type === "custom-columns";
}

/** The format a command receives: parsed by the option, or given as a string by a caller (tests, the web view). */
export function formatOf(value: OutputFormat | string | undefined, extra: readonly string[] = []): OutputFormat {
  if (value === undefined) return { type: "table" };
  return typeof value === "string" ? parseOutputFormat(value, extra) : value;
}
