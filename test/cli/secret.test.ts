/**
 * Secrets through the built CLI: the keyring (`secret key status|list|
 * rotate|revoke|history`, a rotation killed midway and resumed), values
 * kept age-encrypted in a repository (`secret encrypt`, decrypted only into
 * the store's sealed column), values read from the environment or a file of
 * the process that runs the step, and masking in step logs.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { CLI, initializedProject } from "../support/cli.js";
import { startController, stopAndRemove, taskPhases, until, type RunningController, type TaskRow } from "../support/controller.js";
import { info } from "./task-support.js";

type Project = ReturnType<typeof initializedProject>;

const V2 = "apiVersion: orchestrator.dev/v2";
const doc = (kind: string, name: string, spec: string): string => `${V2}\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec:\n${spec}`;
const store = (name: string, data: Record<string, string>): string => doc("SecretStore", name, `  data:\n${Object.entries(data).map(([k, v]) => `    ${k}: ${v}\n`).join("")}`);
const sealedSpecs = (p: Project): string[] => {
  const db = new Database(join(p.dir, ".orchestrator/state.db"), { readonly: true });
  try {
    return (db.prepare("SELECT spec FROM resources WHERE kind = 'SecretStore' ORDER BY name").all() as { spec: string }[]).map((r) => r.spec);
  } finally {
    db.close();
  }
};
const exported = (p: Project): string => p.run(["manifest", "export", "--include-secrets"]).stdout;
const tasks = (p: Project): TaskRow[] => (JSON.parse(p.run(["task", "list", "-o", "json"]).stdout) as { items: TaskRow[] }).items;
/** Every file under the state folder but the database, as text: where a plaintext must never land. */
function stateFilesText(p: Project): string {
  const walk = (dir: string): string[] => readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
  return walk(join(p.dir, ".orchestrator"))
    .filter((f) => !/state\.db/.test(f))
    .map((f) => readFileSync(f, "latin1"))
    .join("\n");
}

describe("secret key", () => {
  let p: Project;
  afterEach(() => p?.cleanup());

  it("status, list, rotate, revoke and history: every value re-sealed with the new key, nothing changed for apply", () => {
    p = initializedProject();
    p.write("s.yaml", store("api", { TOKEN: '"tok-alpha-1111"', OTHER: '"tok-beta-2222"' }));
    expect(p.run(["apply", "-f", "s.yaml"]).code).toBe(0);
    expect(p.run(["secret", "key", "status"]).stdout).toMatch(/active key:\s+k1 \(since \S+, fingerprint [0-9a-f]{16}\), 2 value\(s\) sealed with it\nkeys:\s+1 \(1 active, 0 pending, 0 retired, 0 revoked\)/);

    const r = p.run(["secret", "key", "rotate"]);
    expect(r).toMatchObject({ code: 0, stdout: "secret key rotated: k2 is active, k1 retired; 2 value(s) of 1 SecretStore(s) re-sealed\n" });
    expect(sealedSpecs(p)[0]).toMatch(/"v2:k2:/);
    expect(sealedSpecs(p)[0]).not.toMatch(/"v1:|v2:k1:|tok-alpha/);
    expect(exported(p)).toContain("tok-alpha-1111");
    // The content hash follows the key: the same manifest is unchanged, not re-applied.
    expect(p.run(["apply", "-f", "s.yaml"]).stdout).toBe("secretstore/api unchanged\n");
    expect(existsSync(join(p.dir, ".orchestrator/secret-keys/k2.key"))).toBe(true);
    expect(statSync(join(p.dir, ".orchestrator/secret-keys/k2.key")).mode & 0o777).toBe(0o600);

    const list = JSON.parse(p.run(["secret", "key", "list", "-o", "json"]).stdout) as { kind: string; items: Array<{ kind: string; id: string; state: string; values: number; fingerprint: string | null }> };
    expect(list.kind).toBe("List");
    expect(list.items.every((k) => k.kind === "SecretKey")).toBe(true);
    expect(p.run(["secret", "key", "list", "-o", "name"]).stdout).toBe("secretkey/k1\nsecretkey/k2\n");
    expect(list.items.map((k) => [k.id, k.state, k.values])).toEqual([["k1", "retired", 0], ["k2", "active", 2]]);

    expect(p.run(["secret", "key", "revoke", "k2"])).toMatchObject({ code: 1, stderr: expect.stringMatching(/key k2 is the active key; rotate first/) });
    expect(p.run(["secret", "key", "revoke", "k9"])).toMatchObject({ code: 1, stderr: expect.stringMatching(/no secret key 'k9'/) });
    expect(p.run(["secret", "key", "revoke", "k1"])).toMatchObject({ code: 0, stdout: "secret key k1 revoked: its file is destroyed\n" });
    expect(existsSync(join(p.dir, ".orchestrator/secret.key"))).toBe(false);
    expect(exported(p)).toContain("tok-alpha-1111");

    const history = (JSON.parse(p.run(["secret", "key", "history", "-o", "json"]).stdout) as { items: Array<{ action: string; keyId: string; actor: string }> }).items;
    expect(history.map((h) => [h.action, h.keyId])).toEqual([["created", "k1"], ["rotation_started", "k2"], ["rotated", "k2"], ["revoked", "k1"]]);
    expect(history.slice(1).every((h) => /\S+@\S+/.test(h.actor))).toBe(true);
    expect(p.run(["secret", "key", "history", "-n", "1", "--key-id", "k1"]).stdout).toMatch(/revoked\s+k1\s+\S+@\S+/);
    expect(p.run(["event", "list", "--type", "secret_key_rotated"]).stdout).toMatch(/secret key k2 rotated by/);
  });

  it("a rotation killed midway leaves every value as it was; rotate --resume finishes it with the same key", () => {
    p = initializedProject();
    p.write("s.yaml", [store("one", { A: '"value-one-aaaa"' }), store("two", { B: '"value-two-bbbb"' })].join("---\n"));
    expect(p.run(["apply", "-f", "s.yaml"]).code).toBe(0);
    const before = sealedSpecs(p);

    const killed = spawnSync(process.execPath, [CLI, "secret", "key", "rotate"], { cwd: p.dir, env: { ...process.env, ORCHESTRATOR_CRASH_AT: "secret-key-rotation" }, encoding: "utf8" });
    expect(killed.signal).toBe("SIGKILL");
    expect(sealedSpecs(p)).toEqual(before);
    expect(exported(p)).toMatch(/value-one-aaaa[\s\S]*value-two-bbbb/);
    expect(p.run(["secret", "key", "status"]).stdout).toMatch(/pending:\s+k2: a rotation did not finish; `orchestrator secret key rotate --resume` completes it/);
    expect(p.run(["secret", "key", "rotate"])).toMatchObject({ code: 1, stderr: expect.stringMatching(/a rotation to key k2 did not finish; complete it with `orchestrator secret key rotate --resume`/) });

    expect(p.run(["secret", "key", "rotate", "--resume"])).toMatchObject({ code: 0, stdout: "secret key rotated: k2 is active, k1 retired; 2 value(s) of 2 SecretStore(s) re-sealed\n" });
    expect(sealedSpecs(p).every((s) => s.includes('"v2:k2:'))).toBe(true);
    expect(exported(p)).toMatch(/value-one-aaaa[\s\S]*value-two-bbbb/);
    expect(p.run(["secret", "key", "rotate", "--resume"])).toMatchObject({ code: 1, stderr: expect.stringMatching(/no rotation is pending/) });
  });

  it("a value sealed with a key revoked with --force cannot be read, says so without a stack, and applying its SecretStore again repairs it", () => {
    p = initializedProject();
    p.write("s.yaml", store("api", { TOKEN: '"tok-gamma-3333"' }));
    expect(p.run(["apply", "-f", "s.yaml"]).code).toBe(0);
    const dbPath = join(p.dir, ".orchestrator/state.db");
    const db = new Database(dbPath, { readonly: true });
    const before = db.prepare("SELECT spec, hash FROM resources WHERE kind = 'SecretStore'").get() as { spec: string; hash: string };
    db.close();
    expect(p.run(["secret", "key", "rotate"]).code).toBe(0);
    // The row as it was before the rotation, as a row restored from a backup would be: still sealed with k1.
    const rw = new Database(dbPath);
    rw.prepare("UPDATE resources SET spec = ?, hash = ? WHERE kind = 'SecretStore'").run(before.spec, before.hash);
    rw.close();

    expect(p.run(["secret", "key", "revoke", "k1"])).toMatchObject({ code: 1, stderr: expect.stringMatching(/1 SecretStore value\(s\) are still sealed with key k1 and could not be read once it is revoked/) });
    expect(p.run(["secret", "key", "revoke", "k1", "--force"])).toMatchObject({ code: 0, stdout: expect.stringMatching(/1 value\(s\) sealed with it can no longer be read/) });
    const read = p.run(["get", "secretstore", "api", "-o", "yaml"]);
    expect(read.code).toBe(1);
    expect(read.stderr).toMatch(/^error: cannot decrypt SecretStore default\/api data\.TOKEN: it was sealed with key k1, which was revoked at \S+; apply the SecretStore again/);
    expect(read.stderr).not.toMatch(/\n\s+at /);
    expect(p.run(["secret", "key", "status"]).stdout).toMatch(/unreadable:\s+1 value\(s\) are sealed with a revoked key and can never be read; apply their SecretStores again/);

    expect(p.run(["apply", "-f", "s.yaml"])).toMatchObject({ code: 0, stdout: "secretstore/api configured\n" });
    expect(exported(p)).toContain("tok-gamma-3333");
    expect(sealedSpecs(p)[0]).toMatch(/"v2:k2:/);
    expect(p.run(["secret", "key", "status"]).stdout).not.toMatch(/unreadable/);
  });
});

describe("SecretStore values encrypted with age in the repository", () => {
  let p: Project;
  afterEach(() => p?.cleanup());

  it("secret encrypt rewrites the file in place; apply decrypts into the sealed store only; diff and get never show a value", () => {
    p = initializedProject();
    const keygen = p.run(["secret", "age-keygen"]);
    expect(keygen.code).toBe(0);
    const recipient = keygen.stdout.trim();
    expect(recipient).toMatch(/^age1[0-9a-z]+$/);
    expect(statSync(join(p.dir, ".orchestrator/age.key")).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(p.dir, ".orchestrator/.gitignore"), "utf8").split("\n")).toEqual(expect.arrayContaining(["age.key", "secret-keys/"]));
    expect(p.run(["secret", "age-keygen"]).stdout.trim()).toBe(recipient);

    p.write("manifests/secrets.yaml", `# deploy keys\n${store("deploy", { KEY: '"plain-deploy-key-77"  # rotated monthly', FROM: "{valueFrom: {env: DEPLOY_TOKEN}}" })}---\n${doc("EnvStore", "env", "  data:\n    LEVEL: debug\n")}`);
    const enc = p.run(["secret", "encrypt", "-f", "manifests/secrets.yaml"]);
    expect(enc).toMatchObject({ code: 0, stdout: "manifests/secrets.yaml: secretstore/deploy: 1 value(s) encrypted, 1 valueFrom reference(s) left as they are\n" });
    const file = readFileSync(join(p.dir, "manifests/secrets.yaml"), "utf8");
    expect(file).not.toContain("plain-deploy-key-77");
    expect(file).toMatch(/^# deploy keys\n/);
    expect(file).toMatch(/ {4}KEY: "ENC\[age,[A-Za-z0-9+/=]+\]" # rotated monthly\n/);
    expect(file).toContain("FROM: {valueFrom: {env: DEPLOY_TOKEN}}");
    expect(file).toContain("LEVEL: debug");
    expect(p.run(["manifest", "validate", "-f", "manifests/secrets.yaml"]).code).toBe(0);
    // Encrypting again leaves it alone.
    expect(p.run(["secret", "encrypt", "-f", "manifests/secrets.yaml"]).stdout).toMatch(/0 value\(s\) encrypted, 1 already encrypted/);

    expect(p.run(["sync"]).code).toBe(0);
    expect(exported(p)).toContain("KEY: plain-deploy-key-77");
    expect(sealedSpecs(p).join()).not.toContain("plain-deploy-key-77");
    expect(readFileSync(join(p.dir, ".orchestrator/state.db")).includes(Buffer.from("plain-deploy-key-77"))).toBe(false);
    expect(stateFilesText(p)).not.toContain("plain-deploy-key-77");
    const yaml = p.run(["get", "secretstore", "deploy", "-o", "yaml"]).stdout;
    expect(yaml).toMatch(/KEY: <redacted>\n\s+FROM:\n\s+valueFrom:\n\s+env: DEPLOY_TOKEN/);
    expect(p.run(["describe", "secretstore/deploy"]).stdout).not.toContain("plain-deploy-key-77");
    // Re-encrypting the same value changes the file but not the resource.
    expect(p.run(["diff"]).code).toBe(0);
    expect(p.run(["diff", "-f", "manifests/secrets.yaml"]).code).toBe(0);

    p.write("manifests/secrets.yaml", store("deploy", { KEY: '"new-deploy-key-88"', FROM: "{valueFrom: {env: DEPLOY_TOKEN}}" }));
    expect(p.run(["secret", "encrypt", "-f", "manifests/secrets.yaml", "--recipient", recipient]).code).toBe(0);
    const diff = p.run(["diff"]);
    expect(diff.code).toBe(1);
    expect(diff.stdout).toMatch(/<redacted, changed>/);
    expect(diff.stdout + diff.stderr).not.toMatch(/new-deploy-key-88|plain-deploy-key-77/);

    // Without the key nothing is applied, and the error says where and why.
    const noKey = p.run(["apply", "-f", "manifests/secrets.yaml"], { env: { ORCHESTRATOR_AGE_KEY_FILE: join(p.dir, "missing.key") } });
    expect(noKey.code).not.toBe(0);
    expect(noKey.stderr).toMatch(/secretstore\/deploy: spec\.data\.KEY: the value is encrypted \(ENC\[age,\.\.\.\]\) and cannot be decrypted: no age identity: \S+missing\.key does not exist; set ORCHESTRATOR_AGE_KEY_FILE .*\(manifests\/secrets\.yaml:\d+:\d+\)/);
    expect(exported(p)).toContain("plain-deploy-key-77");
    expect(p.run(["apply", "-f", "manifests/secrets.yaml"]).stdout).toBe("secretstore/deploy configured\n");
    expect(exported(p)).toContain("new-deploy-key-88");
  });

  it("refuses a value encrypted for someone else, and an encrypt with no recipient", () => {
    p = initializedProject();
    const other = initializedProject();
    try {
      const foreign = other.run(["secret", "age-keygen"]).stdout.trim();
      p.write("s.yaml", store("x", { A: '"someone-elses-secret"' }));
      expect(p.run(["secret", "encrypt", "-f", "s.yaml"])).toMatchObject({ code: 2, stderr: expect.stringMatching(/no recipient: give --recipient age1\.\.\./) });
      expect(p.run(["secret", "encrypt", "-f", "s.yaml", "--recipient", "ssh-rsa AAAA"])).toMatchObject({ code: 2 });
      expect(p.run(["secret", "encrypt", "-f", "s.yaml", "--recipient", foreign]).code).toBe(0);
      expect(p.run(["secret", "age-keygen"]).code).toBe(0);
      const r = p.run(["apply", "-f", "s.yaml"]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/spec\.data\.A: the ENC\[age,\.\.\.\] value cannot be decrypted with the age identity this process holds/);
      expect(p.run(["get", "secretstores"]).stderr).toMatch(/No secretstores found/);
      p.write("bad.yaml", store("y", { A: '"ENC[age,not base64!]"' }));
      const bad = p.run(["manifest", "validate", "-f", "bad.yaml"]);
      expect(bad.code).toBe(1);
      expect(bad.stdout + bad.stderr).toMatch(/spec\.data\.A: the value starts with ENC\[ but is not ENC\[age,<base64>\]/);
      expect(p.run(["secret", "encrypt", "-f", "none.yaml"]).code).toBe(1);
    } finally {
      other.cleanup();
    }
  });
});

describe("SecretStore values from the environment or a file of the process that runs the step", () => {
  let p: Project;
  let controller: RunningController | undefined;
  afterEach(() => stopAndRemove(controller, p));

  const agentReading = (cap: string, check: string): string =>
    doc("Agent", `reader-${cap}`, `  capabilities: [${cap}]\n  env:\n    - name: TOKEN\n      refValue:\n        name: refs\n        key: ${cap}\n  command: "sh -c '${check}'"\n`);
  const flow = (cap: string): string => doc("Workflow", `use-${cap}`, `  steps:\n    - id: use\n      scope: task\n      required_capability: ${cap}\n`);

  it("reads valueFrom when the step runs, in the controller's environment, and masks the value in its log", async () => {
    p = initializedProject({ "secrets/token.txt": "file-secret-value-55\n" });
    p.write(
      "m.yaml",
      [
        doc("Workspace", "w", '  root_path: "."\n  qa_targets: []\n'),
        store("refs", { env: "{valueFrom: {env: DEPLOY_TOKEN}}", file: "{valueFrom: {file: secrets/token.txt}}", unset: "{valueFrom: {env: NOT_SET_ANYWHERE}}" }),
        agentReading("env", 'test \\"$TOKEN\\" = env-secret-value-44 && touch env.ok; echo got=$TOKEN'),
        agentReading("file", 'test \\"$TOKEN\\" = file-secret-value-55 && touch file.ok; echo got=$TOKEN'),
        agentReading("unset", "echo never"),
        flow("env"),
        flow("file"),
        flow("unset"),
      ].join("---\n"),
    );
    expect(p.run(["apply", "-f", "m.yaml"]).code).toBe(0);
    // The CLI that creates the tasks does not have the variable; the controller that runs the steps does.
    controller = await startController(p.dir, [], { DEPLOY_TOKEN: "env-secret-value-44" });
    const ids = ["env", "file", "unset"].map((c) => p.run(["task", "create", "--workflow", `use-${c}`]).stdout.trim());
    await until("the tasks to finish", () => ids.every((id) => ["Completed", "Failed"].includes(String(tasks(p).find((t) => t.id === id)?.phase))), undefined, undefined, () => taskPhases(p));
    expect(tasks(p).filter((t) => ids.includes(t.id)).map((t) => t.phase)).toEqual(["Completed", "Completed", "Failed"]);
    expect(existsSync(join(p.dir, "env.ok"))).toBe(true);
    expect(existsSync(join(p.dir, "file.ok"))).toBe(true);
    expect(p.run(["task", "logs", ids[0]!]).stdout).toContain("got=[REDACTED]");
    expect(p.run(["task", "logs", ids[1]!]).stdout).toContain("got=[REDACTED]");
    const reason = (info(p, ids[2]!).runs as Array<{ reason?: string }>)[0]!.reason;
    expect(reason).toMatch(/could not start: SecretStore refs data\.unset: valueFrom\.env NOT_SET_ANYWHERE is not set in the environment of the process that needs it/);
    expect(stateFilesText(p)).not.toMatch(/env-secret-value-44|file-secret-value-55/);
    expect(p.run(["get", "secretstore", "refs", "-o", "json"]).stdout).toContain('"file": "secrets/token.txt"');
  });

  it("masks a secret an agent prints half to stdout and half to stderr", async () => {
    p = initializedProject();
    const script = "printf \\\"value tok-\\\"; printf SECRET >&2; touch half; while [ ! -f go ]; do sleep 0.01; done; printf \\\"_99 end\\\\n\\\" >&2";
    p.write(
      "m.yaml",
      [
        doc("Workspace", "w", '  root_path: "."\n  qa_targets: []\n'),
        store("k", { S: '"tok-SECRET_99"' }),
        doc("Agent", "splitter", `  capabilities: [split]\n  command: "sh -c '${script}'"\n`),
        doc("Workflow", "split", "  steps:\n    - id: talk\n      scope: task\n      required_capability: split\n"),
      ].join("---\n"),
    );
    expect(p.run(["apply", "-f", "m.yaml"]).code).toBe(0);
    controller = await startController(p.dir);
    const id = p.run(["task", "create", "--workflow", "split"]).stdout.trim();
    await until("the first half to be written", () => existsSync(join(p.dir, "half")), undefined, undefined, () => taskPhases(p));
    p.write("go", "");
    await until("the task to finish", () => ["Completed", "Failed"].includes(String(tasks(p).find((t) => t.id === id)?.phase)), undefined, undefined, () => taskPhases(p));
    expect(tasks(p).find((t) => t.id === id)?.phase).toBe("Completed");
    const logs = p.run(["task", "logs", id]).stdout;
    expect(logs).not.toContain("tok-SECRET_99");
    expect(logs).toMatch(/value \[REDACTED\] end/);
  });
});
