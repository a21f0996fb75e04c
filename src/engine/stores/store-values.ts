/**
 * @module Store values and pipeline variables. Entries hold JSON; pipeline
 * variables are text. Text that parses as JSON is stored as that JSON (a
 * step printing `{"score":3}` stores an object), any other text as a
 * string; read back into a variable, a string is its own text and anything
 * else its JSON.
 */
import type { JsonValue } from "../../resources/types.js";

export function valueFromText(text: string): JsonValue {
  const trimmed = text.trim();
  if (trimmed === "") return text;
  // Only text that looks like JSON is parsed: `007` or `1e3` stay strings when they are not.
  if (!/^[[{"\-0-9tfn]/.test(trimmed)) return text;
  try {
    return JSON.parse(trimmed) as JsonValue;
  } catch {
    return text;
  }
}

export function textOfValue(value: JsonValue): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}
