import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { contentHash } from "../../src/store/content-hash.js";
import { generateKey } from "../../src/store/secret-crypto.js";

describe("contentHash", () => {
  const noKey = (): Buffer => {
    throw new Error("key must not be read for this kind");
  };

  it("is sha256 of canonical JSON for ordinary kinds, independent of key order, without reading the key", () => {
    const h = contentHash("Agent", { spec: { b: 1, a: 2 } }, noKey);
    expect(h).toBe(createHash("sha256").update('{"spec":{"a":2,"b":1}}').digest("hex"));
    expect(contentHash("Agent", { spec: { a: 2, b: 1 } }, noKey)).toBe(h);
  });

  it("is an HMAC with the store key for SecretStore", () => {
    const content = { spec: { data: { K: "v" } } };
    const plain = createHash("sha256").update('{"spec":{"data":{"K":"v"}}}').digest("hex");
    const k1 = generateKey();
    const h1 = contentHash("SecretStore", content, () => k1);
    expect(h1).not.toBe(plain);
    expect(contentHash("SecretStore", content, () => k1)).toBe(h1);
    expect(contentHash("SecretStore", content, () => generateKey())).not.toBe(h1);
  });
});
