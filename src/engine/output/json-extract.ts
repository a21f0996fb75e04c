/**
 * @module Finding JSON in what an agent printed: the whole text, a fenced
 * ```json block, or JSON values embedded in prose. Never throws.
 */
import type { JsonValue } from "../../resources/types.js";

/**
 * Every JSON value the text holds, in order, most trustworthy forms first:
 * the whole text when it parses; otherwise the contents of fenced code blocks
 * (```json or bare ```) that parse; otherwise each top-level `{...}`/`[...]`
 * embedded in the text that parses (nested values are not listed separately).
 */
export function jsonValuesIn(text: string): JsonValue[] {
  const whole = tryParse(text.trim());
  if (whole !== undefined) return [whole];
  // The report is at the end; bounding the scan keeps huge logs fast.
  const tail = text.length > MAX_SCAN ? text.slice(-MAX_SCAN) : text;
  const streamed = unwrapStreamJson(tail);
  if (streamed !== undefined) return jsonValuesIn(streamed);
  const fenced = fencedBlocks(tail)
    .map((b) => tryParse(b.trim()))
    .filter((v): v is JsonValue => v !== undefined);
  if (fenced.length > 0) return fenced;
  return embeddedValues(tail);
}

const MAX_SCAN = 1024 * 1024;

/** The last JSON value of the text that `accept` takes, or undefined. */
export function lastJsonValue(text: string, accept: (v: JsonValue) => boolean = () => true): JsonValue | undefined {
  const values = jsonValuesIn(text);
  for (let i = values.length - 1; i >= 0; i--) {
    if (accept(values[i]!)) return values[i];
  }
  return undefined;
}

export function isJsonObject(v: JsonValue | undefined): v is { [key: string]: JsonValue } {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function tryParse(s: string): JsonValue | undefined {
  if (s === "" || (s[0] !== "{" && s[0] !== "[")) return undefined;
  try {
    return JSON.parse(s) as JsonValue;
  } catch {
    return undefined;
  }
}

const FENCE = /```[ \t]*(?:json|JSON)?[ \t]*\r?\n([\s\S]*?)```/g;

function fencedBlocks(text: string): string[] {
  return [...text.matchAll(FENCE)].map((m) => m[1] ?? "");
}

/** Top-level `{...}`/`[...]` spans that parse, found by bracket matching that respects strings. */
function embeddedValues(text: string): JsonValue[] {
  const values: JsonValue[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === "{" || c === "[") {
      const end = matchingClose(text, i);
      if (end !== -1) {
        const v = tryParse(text.slice(i, end + 1));
        if (v !== undefined) {
          values.push(v);
          i = end + 1;
          continue;
        }
      }
    }
    i++;
  }
  return values;
}

/** Index of the bracket closing the one at `start`, or -1. */
function matchingClose(text: string, start: number): number {
  const stack: string[] = [];
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === "{") stack.push("}");
    else if (c === "[") stack.push("]");
    else if (c === "}" || c === "]") {
      if (stack.pop() !== c) return -1;
      if (stack.length === 0) return i;
    }
  }
  return -1;
}

/**
 * Claude's `--output-format stream-json` prints JSON lines, each with a
 * `type`; the answer is the `result` string of the last `{"type":"result"}`.
 */
function unwrapStreamJson(text: string): string | undefined {
  const lines = text.split("\n").map((l) => l.trim()).filter((l) => l !== "");
  if (lines.length < 2 || !isJsonObject(tryParse(lines[0]!)) || !lines[0]!.includes('"type"')) return undefined;
  for (let i = lines.length - 1; i >= 0; i--) {
    const v = tryParse(lines[i]!);
    if (isJsonObject(v) && v["type"] === "result" && typeof v["result"] === "string") return v["result"];
  }
  return undefined;
}
