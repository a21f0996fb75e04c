/**
 * @module EnvStore and SecretStore specs: named sets of environment values
 * that agents import through `env.fromRef` or `env.refValue`. Values are
 * strings, as an environment's are. A SecretStore value may also be
 * `ENC[age,...]` (encrypted in the repository, see encrypted-value.ts) or a
 * reference read when it is needed: `{valueFrom: {env: NAME}}` or
 * `{valueFrom: {file: PATH}}` (see src/engine/secrets/secret-source.ts).
 */
import { encryptedPayload, looksEncrypted } from "../encrypted-value.js";
import { REDACTED } from "../redact.js";
import { describe, isObject, object, stringMap, type KindSpec, type SchemaObject, type SpecIssue } from "./common.js";

const storeSchema = (what: string, description: string): KindSpec["schema"] =>
  object(
    { data: describe(stringMap, `Variable name -> ${what}. Values are strings: quote numbers and booleans.`) },
    { required: ["data"], misplaced: { values: "data", env: "data" }, description },
  );

/** A value, or `{valueFrom: {env | file}}` (`type` lists both so no anyOf hides which field is wrong). */
const secretValue: SchemaObject = {
  type: ["string", "object"],
  properties: {
    valueFrom: object(
      {
        env: describe({ type: "string", minLength: 1 }, "An environment variable of the process that needs the value (the controller running the step)."),
        file: describe({ type: "string", minLength: 1 }, "A file read when the value is needed (relative paths from the repository root; one final newline dropped)."),
      },
      { description: "Where the value is read when it is needed; it is never stored. Exactly one of env and file." },
    ),
  },
  required: ["valueFrom"],
  additionalProperties: false,
  description: "The secret value (a string, or ENC[age,...] written by `orchestrator secret encrypt`), or {valueFrom: {env: NAME}} / {valueFrom: {file: PATH}}.",
};

const secretSchema = object(
  { data: { type: "object", additionalProperties: secretValue, description: "Variable name -> secret value, ENC[age,...] value or valueFrom reference." } },
  {
    required: ["data"],
    misplaced: { values: "data", env: "data" },
    description: "Like an EnvStore, for sensitive values: encrypted at rest and never shown in output, events, logs or diffs; values may be kept encrypted in git or read from the controller's environment or files.",
  },
);

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** What the schema cannot say: no placeholder for a value, one source per reference, a well-formed env name and `ENC[age,...]` value. Never quotes a value. */
function checkSecret(spec: Record<string, unknown>): SpecIssue[] {
  const data = spec["data"];
  if (!isObject(data)) return [];
  const issues: SpecIssue[] = [];
  for (const [key, v] of Object.entries(data)) {
    // `get -o yaml` prints the placeholder in place of each value; applying that output back would replace the secrets with it.
    if (v === REDACTED) {
      issues.push({
        path: ["data", key],
        message: `the value is ${REDACTED}, the placeholder get and describe print in place of a secret; applying it would replace the secret with the placeholder`,
        hint: "give the real value (manifest export --include-secrets prints them), or leave this SecretStore out of what you apply",
      });
      continue;
    }
    if (looksEncrypted(v) && encryptedPayload(v) === undefined) {
      issues.push({ path: ["data", key], message: "the value starts with ENC[ but is not ENC[age,<base64>]", hint: "encrypt the plain value again with `orchestrator secret encrypt -f FILE`" });
    }
    if (!isObject(v) || !isObject(v["valueFrom"])) continue;
    const from = v["valueFrom"];
    const sources = ["env", "file"].filter((k) => from[k] !== undefined);
    if (sources.length !== 1) {
      issues.push({ path: ["data", key, "valueFrom"], message: `valueFrom names ${sources.length === 0 ? "no source" : "both env and file"}; give exactly one`, hint: "valueFrom: {env: NAME} or valueFrom: {file: /path/to/file}" });
    }
    if (typeof from["env"] === "string" && !ENV_NAME.test(from["env"])) {
      issues.push({ path: ["data", key, "valueFrom", "env"], message: "not an environment variable name", hint: "letters, digits and _, not starting with a digit" });
    }
  }
  return issues;
}

export const envStore: KindSpec = {
  schema: storeSchema("value", "A named set of environment values that agents import through their env entries (fromRef: every key; refValue: one key)."),
};
/** Strict: a field put in the wrong place in a SecretStore may hold a secret that would then be stored and shown. */
export const secretStore: KindSpec = { schema: secretSchema, check: checkSecret, strict: true };
