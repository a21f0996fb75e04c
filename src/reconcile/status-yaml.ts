/**
 * @module A small YAML writer for status files: block style, strings as
 * JSON double-quoted scalars (valid YAML, so any value round-trips), keys
 * plain when they can be. Status files are written for thousands of
 * resources per pass, so this avoids building a YAML document per file.
 */
import type { JsonValue } from "../resources/types.js";

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

export function statusYaml(value: { [key: string]: JsonValue }): string {
  const lines: string[] = [];
  writeMap(value, "", lines);
  return lines.join("\n") + "\n";
}

function key(k: string): string {
  return PLAIN_KEY.test(k) ? k : JSON.stringify(k);
}

/** Words YAML 1.1 readers take for booleans or null: such strings stay quoted. */
const RESERVED = /^(true|false|null|yes|no|on|off|y|n|~)$/i;
const PLAIN_STRING = /^[A-Za-z_/][A-Za-z0-9_./@+-]*$/;

function scalar(v: JsonValue): string {
  if (typeof v === "string" && PLAIN_STRING.test(v) && !RESERVED.test(v)) return v;
  return JSON.stringify(v);
}

function isEmptyCollection(v: JsonValue): boolean {
  return typeof v === "object" && v !== null && (Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0);
}

function writeMap(map: { [key: string]: JsonValue }, indent: string, lines: string[]): void {
  for (const [k, v] of Object.entries(map)) {
    if (typeof v === "object" && v !== null && !isEmptyCollection(v)) {
      lines.push(`${indent}${key(k)}:`);
      writeValue(v, `${indent}  `, lines);
    } else {
      lines.push(`${indent}${key(k)}: ${isEmptyCollection(v) ? (Array.isArray(v) ? "[]" : "{}") : scalar(v)}`);
    }
  }
}

function writeValue(v: JsonValue, indent: string, lines: string[]): void {
  if (Array.isArray(v)) {
    for (const item of v) {
      if (typeof item === "object" && item !== null && !isEmptyCollection(item)) {
        const sub: string[] = [];
        writeValue(item, `${indent}  `, sub);
        // The first line of the item goes after the dash.
        lines.push(`${indent}- ${sub[0]!.trimStart()}`, ...sub.slice(1));
      } else {
        lines.push(`${indent}- ${isEmptyCollection(item) ? (Array.isArray(item) ? "[]" : "{}") : scalar(item)}`);
      }
    }
  } else if (typeof v === "object" && v !== null) {
    writeMap(v, indent, lines);
  }
}
