/**
 * @module `orchestrator secret encrypt -f FILE` and `secret age-keygen`:
 * keeping SecretStore values in a repository encrypted, as SOPS does for
 * Flux. `encrypt` rewrites the file in place: every plain value under a
 * SecretStore's `spec.data` becomes `ENC[age,<base64>]` for the recipients,
 * keys, comments and other documents are kept as they are, and
 * `valueFrom` references (not secrets) are left alone. The plaintext never
 * touches the disk: the file is replaced whole by its encrypted version.
 */
import { chmodSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, closeSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { Encrypter, generateX25519Identity, identityToRecipient } from "age-encryption";
import { isMap, isScalar, parseAllDocuments, Scalar, type Document } from "yaml";
import { AgeKeyError, ageKeyPath, readAgeIdentities } from "../../reconcile/age-keys.js";
import { formatEncrypted, looksEncrypted } from "../../resources/encrypted-value.js";
import { findHome } from "../../store/home-location.js";
import { CliError, UsageError } from "../errors.js";
import { writeErr, writeOut } from "../output/io.js";

export interface SecretEncryptOptions {
  filename: string;
  recipient?: string[];
}

export async function secretEncryptCommand(opts: SecretEncryptOptions): Promise<void> {
  const path = resolve(opts.filename);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new CliError(`cannot read ${opts.filename}: ${(err as Error).message}`);
  }
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) throw new CliError(`${opts.filename} is empty`);
  const broken = docs.find((d) => d.errors.length > 0);
  if (broken) throw new CliError(`${opts.filename} is not valid YAML: ${broken.errors[0]!.message}; nothing was changed`);

  const stores = docs.filter((d) => d.get("kind") === "SecretStore");
  if (stores.length === 0) throw new CliError(`${opts.filename} holds no SecretStore; nothing was changed`);
  const encrypter = new Encrypter();
  for (const r of await recipientsOf(opts.recipient)) encrypter.addRecipient(r);

  const lines: string[] = [];
  for (const doc of stores) {
    const name = String(doc.getIn(["metadata", "name"]) ?? "?");
    const counts = await encryptDocument(doc, encrypter);
    lines.push(`${opts.filename}: secretstore/${name}: ${counts.encrypted} value(s) encrypted${counts.already ? `, ${counts.already} already encrypted` : ""}${counts.references ? `, ${counts.references} valueFrom reference(s) left as they are` : ""}`);
  }
  // One line per value (no folding), and flow mappings written as people write them.
  replaceFile(path, docs.map((d) => d.toString({ lineWidth: 0, flowCollectionPadding: false })).join(""));
  writeOut(lines.join("\n") + "\n");
}

interface Counts {
  encrypted: number;
  already: number;
  references: number;
}

async function encryptDocument(doc: Document, encrypter: Encrypter): Promise<Counts> {
  const counts: Counts = { encrypted: 0, already: 0, references: 0 };
  const data = doc.getIn(["spec", "data"], true);
  if (!isMap(data)) return counts;
  for (const pair of data.items) {
    const node = pair.value;
    if (!isScalar(node)) {
      counts.references++;
      continue;
    }
    if (typeof node.value !== "string") throw new CliError(`secretstore/${String(doc.getIn(["metadata", "name"]))}: spec.data.${String(isScalar(pair.key) ? pair.key.value : pair.key)} is not a string; quote it; nothing was changed`);
    if (looksEncrypted(node.value)) {
      counts.already++;
      continue;
    }
    node.value = formatEncrypted(await encrypter.encrypt(node.value));
    // Quoted, so the value reads the same inside a flow mapping.
    node.type = Scalar.QUOTE_DOUBLE;
    counts.encrypted++;
  }
  return counts;
}

/** `--recipient` values, else the recipient of the age identity this repository's controller holds. */
async function recipientsOf(given: readonly string[] | undefined): Promise<string[]> {
  if (given && given.length) {
    for (const r of given) if (!r.startsWith("age1")) throw new UsageError(`--recipient '${r}' is not an age recipient (age1...)`);
    return [...given];
  }
  try {
    const { identities } = readAgeIdentities(findHome(process.cwd(), process.env)?.dir);
    return Promise.all(identities.map((i) => identityToRecipient(i)));
  } catch (err) {
    if (err instanceof AgeKeyError) throw new UsageError(`no recipient: give --recipient age1... (the controller's public key), or run where the age key is (${err.message})`);
    throw err;
  }
}

/** Writes the new text beside the file and renames it over, keeping the file's mode. */
function replaceFile(path: string, text: string): void {
  const mode = statSync(path).mode & 0o777;
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, text, { mode });
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new CliError(`cannot write ${path}: ${(err as Error).message}`);
  }
}

export interface AgeKeygenOptions {
  output?: string;
}

/**
 * Creates the controller's age identity (mode 0600; never replaced) and
 * prints its public key: the recipient values are encrypted for.
 */
export async function secretAgeKeygenCommand(opts: AgeKeygenOptions): Promise<void> {
  const path = opts.output ? resolve(opts.output) : ageKeyPath(findHome(process.cwd(), process.env)?.dir);
  if (path === undefined) throw new CliError("no .orchestrator folder here: run `orchestrator init`, or give the key file with -o FILE");
  if (existsSync(path)) {
    const { identities } = readAgeIdentities(undefined, { ORCHESTRATOR_AGE_KEY_FILE: path });
    writeErr(`${path} exists and is kept; its public key:\n`);
    writeOut(`${await identityToRecipient(identities[0]!)}\n`);
    return;
  }
  const identity = await generateX25519Identity();
  const recipient = await identityToRecipient(identity);
  mkdirSync(dirname(path), { recursive: true });
  let fd: number;
  try {
    fd = openSync(path, "wx", 0o600);
  } catch (err) {
    throw new CliError(`cannot create ${path}: ${(err as Error).message}`);
  }
  try {
    writeFileSync(fd, `# created: ${new Date().toISOString()}\n# public key: ${recipient}\n${identity}\n`);
  } finally {
    closeSync(fd);
  }
  chmodSync(path, 0o600);
  writeErr(`age identity written to ${path} (keep it out of git; back it up); its public key:\n`);
  writeOut(`${recipient}\n`);
}
