/**
 * A real PostgreSQL server for tests: Debian's binaries (`pg_config
 * --bindir`, or /usr/lib/postgresql/<version>/bin), initdb and pg_ctl in a
 * temp directory, listening on a free loopback port. PostgreSQL refuses to
 * run as root, so as root the server runs as the `postgres` user. When the
 * binaries are missing, `postgresUnavailable` says why, and the tests that
 * need the server are skipped with that message (`.ci/run` installs the
 * package, so CI never skips them).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface PostgresServer {
  /** A database URL for a fresh database on this server. */
  createDatabase(name?: string): string;
  /** The server's base URL (database `postgres`). */
  url: string;
  stop(): void;
}

function findBinDir(): string | undefined {
  try {
    const dir = execFileSync("pg_config", ["--bindir"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    if (existsSync(join(dir, "initdb"))) return dir;
  } catch {
    // no pg_config on PATH
  }
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  for (const v of versions) if (existsSync(join(root, v, "bin", "initdb"))) return join(root, v, "bin");
  return undefined;
}

const binDir = findBinDir();

/** Why PostgreSQL tests cannot run here, or undefined when they can. */
export const postgresUnavailable: string | undefined = binDir
  ? undefined
  : "PostgreSQL tests skipped: no PostgreSQL server binaries (initdb, pg_ctl) found; install Debian's `postgresql` package (.ci/run does)";

if (postgresUnavailable) process.stderr.write(`${postgresUnavailable}\n`);

const asRoot = process.getuid?.() === 0;

function pgUser(): { uid: number; gid: number } {
  const out = execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim();
  const gid = execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim();
  return { uid: Number(out), gid: Number(gid) };
}

function runPg(bin: string, args: string[]): void {
  const cmd = join(binDir!, bin);
  const r = asRoot ? spawnSync("runuser", ["-u", "postgres", "--", cmd, ...args], { encoding: "utf8" }) : spawnSync(cmd, args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${bin} ${args.join(" ")} failed: ${r.stderr || r.stdout}`);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === "object" && addr ? addr.port : 0));
    });
  });
}

let dbCounter = 0;

/** Starts a server; stop() removes it and its files. With `password`, the role `orchestrator` needs it (scram-sha-256). */
export async function startPostgres(opts: { password?: string } = {}): Promise<PostgresServer> {
  if (!binDir) throw new Error(postgresUnavailable);
  const dir = mkdtempSync(join(tmpdir(), "orch-pg-"));
  chmodSync(dir, 0o755);
  if (asRoot) {
    const { uid, gid } = pgUser();
    chownSync(dir, uid, gid);
  }
  const data = join(dir, "data");
  const port = await freePort();
  const auth = ["--auth=trust"];
  if (opts.password !== undefined) {
    const pwfile = join(dir, "pwfile");
    writeFileSync(pwfile, `${opts.password}\n`);
    if (asRoot) chownSync(pwfile, pgUser().uid, pgUser().gid);
    auth.splice(0, 1, "--auth-local=trust", "--auth-host=scram-sha-256", `--pwfile=${pwfile}`);
  }
  runPg("initdb", ["-D", data, "-U", "orchestrator", ...auth, "-E", "UTF8", "--no-sync", "-N"]);
  runPg("pg_ctl", [
    "-D", data, "-l", join(dir, "server.log"), "-w", "-t", "60",
    "-o", `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`,
    "start",
  ]);
  const url = `postgres://orchestrator@127.0.0.1:${port}/postgres`;
  let stopped = false;
  return {
    url,
    createDatabase(name?: string): string {
      const db = name ?? `t${process.pid}_${++dbCounter}`;
      // Over the socket in the temp directory, which trusts: no password needed to set up.
      runPg("psql", ["-h", dir, "-p", String(port), "-U", "orchestrator", "-d", "postgres", "-q", "-c", `CREATE DATABASE "${db}"`]);
      return `postgres://orchestrator@127.0.0.1:${port}/${db}`;
    },
    stop(): void {
      if (stopped) return;
      stopped = true;
      try {
        runPg("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
