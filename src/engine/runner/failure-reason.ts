/**
 * @module The reason a step could not start (or a finalize rule could not be
 * evaluated), as it is recorded: in the run record, the task's events,
 * status files and the controller log. An error
 * thrown while starting a process may quote its whole command line or
 * environment (Node's "must be a string without null bytes. Received ..."
 * does), and with it the rendered prompt and any secret in it; the reason
 * keeps a bounded excerpt of the first line, with secret values replaced.
 */

/** The longest reason kept; the rest is replaced by a note of how much was dropped. */
export const MAX_REASON_CHARS = 300;

const REDACTED = "[REDACTED]";

export function boundedReason(message: string, secrets: readonly string[] = []): string {
  let text = message;
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) if (s) text = text.split(s).join(REDACTED);
  const firstLine = text.split("\n", 1)[0] ?? "";
  const moreLines = text.length > firstLine.length;
  if (firstLine.length <= MAX_REASON_CHARS && !moreLines) return firstLine;
  const kept = firstLine.slice(0, MAX_REASON_CHARS);
  return `${kept}… (${text.length - kept.length} more characters not recorded)`;
}
