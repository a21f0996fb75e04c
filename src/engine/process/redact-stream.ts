/**
 * @module Keeping secret values out of step logs as output streams through:
 * each occurrence becomes `[REDACTED]`, even when a value is split across
 * chunks (the last few bytes are held back until the next chunk or the end).
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
    const cut = Math.max(0, text.length - this.holdBack);
    this.carry = text.slice(cut);
    return Buffer.from(text.slice(0, cut), "latin1");
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
