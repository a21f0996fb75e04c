/**
 * @module Keeping secret values out of step logs as output streams through:
 * each occurrence becomes `[REDACTED]`, even when a value is split across
 * chunks (trailing bytes that could begin a secret are held back until the
 * next chunk or the end).
 */

export const REDACTION = "[REDACTED]";

export class StreamRedactor {
  private readonly secrets: string[];
  private readonly holdBack: number;
  private carry = "";

  constructor(secrets: readonly string[]) {
    // Byte-wise matching: latin1 maps each byte to one char and back.
    this.secrets = [...new Set(secrets.filter((s) => s.length > 0))]
      .map((s) => Buffer.from(s, "utf8").toString("latin1"))
      .sort((a, b) => b.length - a.length);
    this.holdBack = Math.max(0, ...this.secrets.map((s) => s.length - 1));
  }

  /** Redacted bytes safe to write now. */
  push(chunk: Buffer): Buffer {
    let text = this.carry + chunk.toString("latin1");
    text = this.replaceAll(text);
    const cut = text.length - this.pendingPrefix(text);
    this.carry = text.slice(cut);
    return Buffer.from(text.slice(0, cut), "latin1");
  }

  /**
   * How many trailing bytes could be the start of a secret the next chunk
   * completes: only those wait, so a line that cannot be part of a secret
   * reaches the log (and whoever follows it) at once.
   */
  private pendingPrefix(text: string): number {
    for (let k = Math.min(this.holdBack, text.length); k > 0; k--) {
      const tail = text.slice(text.length - k);
      if (this.secrets.some((s) => s.length > k && s.startsWith(tail))) return k;
    }
    return 0;
  }

  /** Whatever was held back, at the end of the stream. */
  flush(): Buffer {
    const rest = this.replaceAll(this.carry);
    this.carry = "";
    return Buffer.from(rest, "latin1");
  }

  private replaceAll(text: string): string {
    for (const s of this.secrets) if (text.includes(s)) text = text.split(s).join(REDACTION);
    return text;
  }
}

/** Redacts a whole text at once (for tails and messages). */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of [...secrets].filter((x) => x.length > 0).sort((a, b) => b.length - a.length)) out = out.split(s).join(REDACTION);
  return out;
}
