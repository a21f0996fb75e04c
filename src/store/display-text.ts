/**
 * @module Text kept for people to read (event messages, a task's message,
 * a run's reason and command) with no NUL in it: PostgreSQL text cannot
 * hold U+0000, so both stores keep it as the two characters `\0`, and read
 * back the same. Values (variables, outputs, store entries, loop reasons)
 * are JSON, whose text escapes it, and keep it; step logs are bytes.
 */

/** The text with each U+0000 written as `\0`. */
export function displayText(text: string): string {
  return text.includes("\u0000") ? text.replaceAll("\u0000", "\\0") : text;
}

export function displayTextOrNull(text: string | null): string | null {
  return text === null ? null : displayText(text);
}
