/**
 * @module A bounded tail of a byte stream: keeps only the last N bytes, so a
 * process that prints gigabytes costs a fixed amount of memory.
 */

/** Default tail size per stream: enough for an agent's final JSON summary. */
export const DEFAULT_TAIL_BYTES = 64 * 1024;

export class OutputTail {
  private chunks: Buffer[] = [];
  private size = 0;
  private total = 0;

  constructor(readonly limit: number = DEFAULT_TAIL_BYTES) {
    if (!Number.isInteger(limit) || limit < 0) {
      throw new RangeError(`tail limit must be a non-negative integer, got ${limit}`);
    }
  }

  push(chunk: Buffer): void {
    this.total += chunk.length;
    if (this.limit === 0 || chunk.length === 0) return;
    // A chunk longer than the limit replaces everything; copy so the big
    // source buffer is not kept alive by the slice.
    if (chunk.length >= this.limit) {
      this.chunks = [Buffer.from(chunk.subarray(chunk.length - this.limit))];
      this.size = this.limit;
      return;
    }
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.chunks.length > 1 && this.size - this.chunks[0]!.length >= this.limit) {
      this.size -= this.chunks.shift()!.length;
    }
  }

  /** Bytes seen in total, including those dropped from the tail. */
  get totalBytes(): number {
    return this.total;
  }

  /** The last `limit` bytes. */
  bytes(): Buffer {
    const all = Buffer.concat(this.chunks, this.size);
    return all.length > this.limit ? all.subarray(all.length - this.limit) : all;
  }

  /** The tail as UTF-8, without a character cut in half at its start. */
  text(): string {
    const bytes = this.bytes();
    let start = 0;
    // Skip UTF-8 continuation bytes (10xxxxxx) left over from a cut character.
    if (this.total > bytes.length) {
      while (start < bytes.length && start < 3 && (bytes[start]! & 0xc0) === 0x80) start++;
    }
    return bytes.subarray(start).toString("utf8");
  }
}
