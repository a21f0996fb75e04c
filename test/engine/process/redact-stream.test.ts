import { describe, expect, it } from "vitest";
import { redactText, StreamRedactor } from "../../../src/engine/process/redact-stream.js";

describe("StreamRedactor", () => {
  it("redacts a secret split across chunks at every boundary", () => {
    const secret = "s3cr3t-value";
    const text = `before ${secret} middle ${secret}after`;
    for (let cut = 0; cut <= text.length; cut++) {
      const r = new StreamRedactor([secret]);
      const out = Buffer.concat([r.push(Buffer.from(text.slice(0, cut))), r.push(Buffer.from(text.slice(cut))), r.flush()]).toString();
      expect(out).toBe("before [REDACTED] middle [REDACTED]after");
    }
  });

  it("handles multi-byte text and several secrets, longest first", () => {
    const r = new StreamRedactor(["pässwörd", "päss"]);
    const out = Buffer.concat([r.push(Buffer.from("x pässwörd y päss z")), r.flush()]).toString();
    expect(out).toBe("x [REDACTED] y [REDACTED] z");
  });

  it("writes a chunk at once unless its end could begin a secret", () => {
    const r = new StreamRedactor(["s3cr3t-value"]);
    expect(r.push(Buffer.from("tick 1\n")).toString()).toBe("tick 1\n");
    expect(r.push(Buffer.from("key s3cr")).toString()).toBe("key ");
    expect(r.push(Buffer.from("3t-value done\n")).toString()).toBe("[REDACTED] done\n");
    expect(r.push(Buffer.from("ends in s")).toString()).toBe("ends in ");
    expect(r.flush().toString()).toBe("s");
  });

  it("passes text through unchanged when nothing matches", () => {
    const r = new StreamRedactor(["zzz"]);
    expect(Buffer.concat([r.push(Buffer.from("hello")), r.flush()]).toString()).toBe("hello");
    expect(redactText("a zzz b", ["zzz"])).toBe("a [REDACTED] b");
  });
});
