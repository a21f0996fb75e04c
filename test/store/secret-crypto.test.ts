import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SecretKeyError } from "../../src/store/errors.js";
import {
  generateKey,
  isSealed,
  keyedHash,
  openSecretSpec,
  openValue,
  readKey,
  sealSecretSpec,
  sealValue,
} from "../../src/store/secret-crypto.js";
import { removeTempDirs, tempDir } from "./helpers.js";

afterAll(removeTempDirs);

describe("sealValue / openValue", () => {
  it("round-trips any JSON value and hides the plaintext", () => {
    const key = generateKey();
    for (const v of ["p@ss", 42, true, null, { a: [1, "x"] }]) {
      const sealed = sealValue(key, v, "data.K");
      expect(isSealed(sealed)).toBe(true);
      if (typeof v === "string") expect(sealed.$enc).not.toContain(v);
      expect(openValue(key, sealed, "data.K", "here")).toEqual(v);
    }
  });

  it("refuses another key, another field, or a tampered ciphertext, without echoing the value", () => {
    const key = generateKey();
    const sealed = sealValue(key, "topsecret", "data.K");
    expect(() => openValue(generateKey(), sealed, "data.K", "SecretStore default/x data.K")).toThrow(SecretKeyError);
    expect(() => openValue(key, sealed, "data.OTHER", "w")).toThrow(/not the one this value was sealed with/);
    const parts = sealed.$enc.split(":");
    const ct = Buffer.from(parts[3]!, "base64");
    ct[0] = ct[0]! ^ 1;
    parts[3] = ct.toString("base64");
    try {
      openValue(key, { $enc: parts.join(":") }, "data.K", "SecretStore default/x data.K");
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toContain("SecretStore default/x data.K");
      expect((err as Error).message).not.toContain("topsecret");
    }
  });
});

describe("sealSecretSpec / openSecretSpec", () => {
  it("seals each value of spec.data, keeps keys, seals any field beside data whole, and opens back", () => {
    const key = generateKey();
    const spec = { data: { A: "1", B: "2" }, other: "beside-data" };
    const sealed = sealSecretSpec(key, spec);
    expect(Object.keys(sealed.data as object)).toEqual(["A", "B"]);
    expect(Object.keys(sealed)).toEqual(["data", "other"]);
    expect(JSON.stringify(sealed)).not.toMatch(/"1"|"2"|beside-data/);
    expect(openSecretSpec(key, sealed, "w")).toEqual(spec);
  });

  it("seals a data value that is not a mapping as a whole", () => {
    const key = generateKey();
    const sealed = sealSecretSpec(key, { data: "just-a-string" });
    expect(JSON.stringify(sealed)).not.toContain("just-a-string");
    expect(openSecretSpec(key, sealed, "w")).toEqual({ data: "just-a-string" });
  });

  it("treats a user key named $enc as data, not as a sealed marker", () => {
    const key = generateKey();
    const spec = { data: { $enc: "v1:looks:sealed:but-is-not" } };
    expect(openSecretSpec(key, sealSecretSpec(key, spec), "w")).toEqual(spec);
  });
});

describe("readKey", () => {
  it("explains a missing or malformed key file", () => {
    const dir = tempDir();
    expect(() => readKey(join(dir, "secret.key"))).toThrow(/is missing; restore it from a backup/);
    writeFileSync(join(dir, "short.key"), "abc");
    expect(() => readKey(join(dir, "short.key"))).toThrow(/holds 3 bytes, expected 32/);
  });
});

describe("keyedHash", () => {
  it("depends on the key, so a hash cannot be checked against guesses without it", () => {
    expect(keyedHash(generateKey(), "x")).not.toBe(keyedHash(generateKey(), "x"));
    const k = generateKey();
    expect(keyedHash(k, "x")).toBe(keyedHash(k, "x"));
  });
});
