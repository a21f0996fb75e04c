import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { SecretKeyError } from "../../../src/store/errors.js";
import { readKey, sealSecretSpec } from "../../../src/store/secret-crypto.js";
import { secretKeyStoreOf, SecretKeyStoreError } from "../../../src/store/secret-key-store.js";
import type { PgStore } from "../../../src/store/postgres/pg-store.js";
import { write } from "../helpers.js";
import { describeStores } from "./backends.js";

const content = () => ({ x: 1 });

describeStores("the keyring", (b) => {
  const newStore = b.newStore;
  it("starts with k1, the key init wrote, and seals new values with the active key", () => {
    const { store } = newStore();
    store.commit([{ op: "create", resource: write("SecretStore", "s", { data: { A: "aaaa" } }) }], "t");
    const keys = secretKeyStoreOf(store);
    expect(keys.listKeys().map((k) => [k.id, k.state, k.values])).toEqual([["k1", "active", 1]]);
    keys.startRotation("tester");
    expect(keys.pendingKey()?.id).toBe("k2");
    expect(() => keys.startRotation("tester")).toThrow(/a rotation to key k2 did not finish/);
    expect(keys.finishRotation("tester", content)).toMatchObject({ id: "k2", previous: "k1", stores: 1, values: 1 });
    store.commit([{ op: "create", resource: write("SecretStore", "t", { data: { B: "bbbb" } }) }], "t");
    expect(keys.listKeys().map((k) => [k.id, k.state, k.values])).toEqual([["k1", "retired", 0], ["k2", "active", 2]]);
    expect(store.getResource({ project: "default", kind: "SecretStore", name: "s" })!.spec).toEqual({ data: { A: "aaaa" } });
    store.close();
  });

  it("refuses to revoke a key values still need unless forced; a value sealed with a revoked key cannot be read", () => {
    const { home, store } = newStore();
    store.commit([{ op: "create", resource: write("SecretStore", "old", { data: { A: "old-value" } }) }], "t");
    const keys = secretKeyStoreOf(store);
    keys.startRotation("tester");
    keys.finishRotation("tester", content);
    // A value still sealed with k1 (as a store restored from a backup might hold).
    const sealed = JSON.stringify(sealSecretSpec(readKey(home.keyPath), { data: { A: "old-value" } }));
    if (b.name === "postgres") (store as PgStore).db.run([{ sql: "UPDATE resources SET spec = $1 WHERE name = 'old'", params: [sealed] }]);
    else {
      const db = new Database(home.dbPath);
      db.prepare("UPDATE resources SET spec = ? WHERE name = 'old'").run(sealed);
      db.close();
    }
    expect(store.getResource({ project: "default", kind: "SecretStore", name: "old" })!.spec).toEqual({ data: { A: "old-value" } });
    expect(() => keys.revokeKey("k1", "tester", false)).toThrow(SecretKeyStoreError);
    expect(() => keys.revokeKey("k1", "tester", false)).toThrow(/1 SecretStore value\(s\) are still sealed with key k1/);
    expect(keys.revokeKey("k1", "tester", true)).toEqual({ values: 1 });
    expect(() => store.getResource({ project: "default", kind: "SecretStore", name: "old" })).toThrow(SecretKeyError);
    expect(() => store.getResource({ project: "default", kind: "SecretStore", name: "old" })).toThrow(/sealed with key k1, which was revoked/);
    expect(keys.history().map((h) => h.action)).toEqual(["created", "rotation_started", "rotated", "revoked"]);
    store.close();
  });
});
