import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signatureMatches, signBody } from "../../src/http/signature.js";

const body = Buffer.from('{"ref":"refs/heads/main"}');
const hex = (key: string): string => createHmac("sha256", key).update(body).digest("hex");

describe("signatureMatches", () => {
  it("takes sha256=<hex> of the raw body under any one of the keys, in either case", () => {
    expect(signatureMatches(body, `sha256=${hex("new")}`, ["old", "new"])).toBe(true);
    expect(signatureMatches(body, `sha256=${hex("old")}`, ["old", "new"])).toBe(true);
    expect(signatureMatches(body, `SHA256=${hex("old").toUpperCase()}`, ["old"])).toBe(true);
    expect(signBody(body, "k")).toBe(`sha256=${hex("k")}`);
  });

  it("refuses a missing, malformed, truncated or wrong signature, another body and empty keys", () => {
    expect(signatureMatches(body, undefined, ["k"])).toBe(false);
    expect(signatureMatches(body, hex("k"), ["k"])).toBe(false);
    expect(signatureMatches(body, `sha1=${hex("k")}`, ["k"])).toBe(false);
    expect(signatureMatches(body, `sha256=${hex("k").slice(0, 63)}`, ["k"])).toBe(false);
    expect(signatureMatches(body, `sha256=${"z".repeat(64)}`, ["k"])).toBe(false);
    expect(signatureMatches(body, `sha256=${hex("k")}`, ["other"])).toBe(false);
    expect(signatureMatches(Buffer.from("{}"), `sha256=${hex("k")}`, ["k"])).toBe(false);
    expect(signatureMatches(body, `sha256=${createHmac("sha256", "").update(body).digest("hex")}`, [""])).toBe(false);
    expect(signatureMatches(body, `sha256=${hex("k")}`, [])).toBe(false);
  });
});
