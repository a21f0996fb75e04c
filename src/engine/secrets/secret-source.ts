/**
 * @module Where a SecretStore value comes from. A `spec.data` entry is the
 * value itself (in the manifest, or decrypted from `ENC[age,...]` when it
 * was applied), or a reference read when the value is needed, by the process
 * that needs it (the controller running a step or checking a webhook
 * signature), never at apply time and never stored:
 *
 *     TOKEN: {valueFrom: {env: GITHUB_TOKEN}}
 *     KEY:   {valueFrom: {file: /run/secrets/key}}
 *
 * A relative file path is read from the repository root (the folder holding
 * `.orchestrator/`). One final newline of a file is dropped, as `$(cat f)`
 * drops it.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import type { JsonValue, Resource } from "../../resources/types.js";

export type SecretSource = { value: string } | { env: string } | { file: string };

/** Largest secret file read. */
export const MAX_SECRET_FILE_BYTES = 1024 * 1024;

export class SecretValueError extends Error {
  override name = "SecretValueError";
}

export interface SecretReadContext {
  env: NodeJS.ProcessEnv;
  /** Relative `file` paths are read from here: the repository root. */
  baseDir: string;
}

/** The source of one data entry; undefined for a shape validation refuses. */
export function secretSourceOf(v: JsonValue | undefined): SecretSource | undefined {
  if (typeof v === "string") return { value: v };
  if (v === null || typeof v !== "object" || Array.isArray(v)) return v === undefined ? undefined : { value: JSON.stringify(v) };
  const from = v["valueFrom"];
  if (from === null || typeof from !== "object" || Array.isArray(from)) return undefined;
  if (typeof from["env"] === "string") return { env: from["env"] };
  if (typeof from["file"] === "string") return { file: from["file"] };
  return undefined;
}

/** Whether an entry is read when needed (`valueFrom`) rather than held in the store. */
export function isReference(v: JsonValue | undefined): boolean {
  const s = secretSourceOf(v);
  return s !== undefined && !("value" in s);
}

/** Reads a value now; `where` names it in errors (`SecretStore api-keys data.TOKEN`), never the value. */
export function readSecretSource(src: SecretSource, where: string, ctx: SecretReadContext): string {
  if ("value" in src) return src.value;
  if ("env" in src) {
    const v = ctx.env[src.env];
    if (v === undefined) throw new SecretValueError(`${where}: valueFrom.env ${src.env} is not set in the environment of the process that needs it (the controller); export it before starting the controller`);
    return v;
  }
  const path = isAbsolute(src.file) ? src.file : resolve(ctx.baseDir, src.file);
  return trimFinalNewline(readSmallFile(path, where));
}

function readSmallFile(path: string, where: string): string {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new SecretValueError(`${where}: valueFrom.file ${path} ${code === "ENOENT" ? "does not exist" : `cannot be read (${code ?? (err as Error).message})`}`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new SecretValueError(`${where}: valueFrom.file ${path} is not a regular file`);
    if (st.size > MAX_SECRET_FILE_BYTES) throw new SecretValueError(`${where}: valueFrom.file ${path} holds ${st.size} bytes, more than ${MAX_SECRET_FILE_BYTES}`);
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < buf.length) {
      const n = readSync(fd, buf, off, buf.length - off, off);
      if (n === 0) break;
      off += n;
    }
    return buf.subarray(0, off).toString("utf8");
  } finally {
    closeSync(fd);
  }
}

function trimFinalNewline(s: string): string {
  return s.endsWith("\r\n") ? s.slice(0, -2) : s.endsWith("\n") ? s.slice(0, -1) : s;
}

export interface StoreValues {
  /** Key -> value, for every entry that could be read. */
  values: Map<string, string>;
  /** One message per entry that could not be read. */
  errors: string[];
}

/** Every value of an EnvStore or SecretStore, references read now. */
export function storeValues(store: Resource, ctx: SecretReadContext): StoreValues {
  const data = store.spec["data"];
  const out: StoreValues = { values: new Map(), errors: [] };
  if (data === null || typeof data !== "object" || Array.isArray(data)) return out;
  for (const [key, raw] of Object.entries(data)) {
    const src = secretSourceOf(raw);
    const where = `${store.kind} ${store.metadata.name} data.${key}`;
    if (!src) {
      out.errors.push(`${where}: not a value nor a valueFrom reference`);
      continue;
    }
    try {
      out.values.set(key, readSecretSource(src, where, ctx));
    } catch (err) {
      if (!(err instanceof SecretValueError)) throw err;
      out.errors.push(err.message);
    }
  }
  return out;
}
