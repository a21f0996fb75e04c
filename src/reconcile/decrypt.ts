/**
 * @module Decrypting SecretStore values kept as `ENC[age,...]` in a source,
 * after the set validated and before it is planned: the plan, the content
 * hash and the store see the plaintext (which the store seals at rest), so
 * re-encrypting a value without changing it changes nothing. The plaintext
 * lives only in memory here; it is never written but to the store. A value
 * that cannot be decrypted stops the pass, saying where.
 */
import { Decrypter } from "age-encryption";
import type { Diagnostic } from "../resources/diagnostics.js";
import { encryptedPayload, looksEncrypted } from "../resources/encrypted-value.js";
import type { JsonObject, ParsedDocument } from "../resources/types.js";
import { AgeKeyError, readAgeIdentities } from "./age-keys.js";

export interface DecryptOutcome {
  documents: ParsedDocument[];
  diagnostics: Diagnostic[];
  /** Documents that could not be decrypted (left out of `documents`). */
  failed: number;
}

/** Whether any SecretStore of the set holds an encrypted value (the key is read only then). */
export function hasEncryptedValues(documents: readonly ParsedDocument[]): boolean {
  return documents.some((d) => encryptedKeys(d).length > 0);
}

function encryptedKeys(d: ParsedDocument): string[] {
  if (d.resource.kind !== "SecretStore") return [];
  const data = d.resource.spec?.["data"];
  if (!data || typeof data !== "object" || Array.isArray(data)) return [];
  return Object.entries(data).filter(([, v]) => looksEncrypted(v)).map(([k]) => k);
}

export async function decryptSecretValues(documents: readonly ParsedDocument[], homeDir: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<DecryptOutcome> {
  if (!hasEncryptedValues(documents)) return { documents: [...documents], diagnostics: [], failed: 0 };
  let decrypter: Decrypter | undefined;
  let keyProblem: string | undefined;
  try {
    const { identities } = readAgeIdentities(homeDir, env);
    decrypter = new Decrypter();
    for (const id of identities) decrypter.addIdentity(id);
  } catch (err) {
    if (!(err instanceof AgeKeyError)) throw err;
    keyProblem = err.message;
  }
  const out: ParsedDocument[] = [];
  const diagnostics: Diagnostic[] = [];
  let failed = 0;
  for (const d of documents) {
    const keys = encryptedKeys(d);
    if (keys.length === 0) {
      out.push(d);
      continue;
    }
    const data = { ...(d.resource.spec["data"] as JsonObject) };
    const problems: Diagnostic[] = [];
    for (const key of keys) {
      const path = ["spec", "data", key];
      const where = { resource: `secretstore/${d.resource.metadata.name}`, path: `spec.data.${key}`, position: d.positionOf(path) };
      if (!decrypter) {
        problems.push({ severity: "error", code: "secret", message: `the value is encrypted (ENC[age,...]) and cannot be decrypted: ${keyProblem}`, ...where });
        continue;
      }
      const payload = encryptedPayload(data[key] as string);
      if (!payload) continue; // validation already reported a malformed value
      try {
        data[key] = await decrypter.decrypt(payload, "text");
      } catch (err) {
        problems.push({
          severity: "error",
          code: "secret",
          message: `the ENC[age,...] value cannot be decrypted with the age identity this process holds: ${(err as Error).message}`,
          hint: "encrypt it for this controller's recipient (`orchestrator secret age-keygen` prints it) with `orchestrator secret encrypt -f FILE --recipient age1...`",
          ...where,
        });
      }
    }
    if (problems.length) {
      diagnostics.push(...problems);
      failed++;
      continue;
    }
    out.push({ ...d, resource: { ...d.resource, spec: { ...d.resource.spec, data } } });
  }
  return { documents: out, diagnostics, failed };
}
