import { describe, expect, it } from "vitest";
import { OutputTail } from "../../../src/engine/process/output-tail.js";

describe("OutputTail", () => {
  it("keeps exactly the last `limit` bytes across many chunks and counts all bytes", () => {
    const tail = new OutputTail(10);
    for (let i = 0; i < 1000; i++) tail.push(Buffer.from(`${i % 10}`.repeat(3)));
    expect(tail.totalBytes).toBe(3000);
    expect(tail.bytes().toString()).toBe("6777888999");
    expect(tail.bytes()).toHaveLength(10);
  });

  it("a chunk larger than the limit keeps only its end", () => {
    const tail = new OutputTail(4);
    tail.push(Buffer.from("ab"));
    tail.push(Buffer.from("0123456789"));
    expect(tail.text()).toBe("6789");
  });

  it("does not start the text with half a multi-byte character", () => {
    const whole = new OutputTail(5);
    whole.push(Buffer.from("xé€")); // x(1) é(2) €(3): the 5-byte tail cuts nothing
    expect(whole.text()).toBe("é€");
    const cut = new OutputTail(3);
    cut.push(Buffer.from("€a")); // the tail holds the last 2 of €'s 3 bytes, then "a"
    expect(cut.text()).toBe("a");
  });
});
