/**
 * @module Controllers sharing a PostgreSQL store: each registers with a
 * lease on the database's clock and renews it; a lease that runs out is
 * reaped by exactly one other controller (DELETE ... RETURNING), which then
 * recovers that controller's tasks. Leaders are rows naming a live
 * controller; trigger firings are rows recorded once.
 */
import type { ControllerInfo, ControllerRecord, ControllerStore } from "../controller-store.js";
import type { PgStore } from "./pg-store.js";

interface ControllerRow {
  id: string;
  epoch: number;
  host: string;
  pid: number;
  workers: number;
  role: string;
  started_at: string;
  heartbeat_at: string;
  expires_at: string;
  tasks: number;
}

const COLUMNS = `c.id, c.epoch, c.host, c.pid, c.workers, c.role, c.started_at, c.heartbeat_at,
  to_char(c.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS expires_at,
  (SELECT count(*) FROM tasks t WHERE t.claim_epoch = c.epoch AND t.finished_at IS NULL AND t.claimed_by IS NOT NULL) AS tasks`;

const NOW_TEXT = `to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

function fromRow(r: ControllerRow): ControllerRecord {
  return {
    id: r.id,
    epoch: r.epoch,
    host: r.host,
    pid: r.pid,
    workers: r.workers,
    role: r.role === "run" ? "run" : "controller",
    startedAt: r.started_at,
    heartbeatAt: r.heartbeat_at,
    expiresAt: r.expires_at,
    tasks: r.tasks,
  };
}

export class PgControllerStore implements ControllerStore {
  readonly shared = true;

  constructor(
    private readonly store: PgStore,
    private readonly setFence: (epoch: number) => void,
  ) {}

  private get db() {
    return this.store.db;
  }

  registerController(info: ControllerInfo, leaseMs: number): ControllerRecord {
    this.store.assertWritable("register a controller");
    const row = this.db.get<ControllerRow>(
      `WITH c AS (
         INSERT INTO controllers (id, epoch, host, pid, workers, role, started_at, heartbeat_at, expires_at)
         VALUES ($1, nextval('controller_epochs'), $2, $3, $4, $5, ${NOW_TEXT}, ${NOW_TEXT}, now() + $6 * interval '1 millisecond')
         RETURNING *
       ) SELECT ${COLUMNS} FROM c`,
      [info.id, info.host, info.pid, info.workers, info.role, leaseMs],
    )!;
    const record = fromRow(row);
    this.setFence(record.epoch);
    this.store.taskStore().claimEpoch = record.epoch;
    return record;
  }

  renewController(epoch: number, leaseMs: number): boolean {
    return (
      this.db.exec(`UPDATE controllers SET heartbeat_at = ${NOW_TEXT}, expires_at = now() + $2 * interval '1 millisecond' WHERE epoch = $1`, [epoch, leaseMs]) > 0
    );
  }

  unregisterController(epoch: number): void {
    this.db.run([
      { sql: "DELETE FROM leaders WHERE holder IN (SELECT id FROM controllers WHERE epoch = $1)", params: [epoch] },
      { sql: "DELETE FROM controllers WHERE epoch = $1", params: [epoch] },
    ]);
  }

  listControllers(): ControllerRecord[] {
    return this.db.all<ControllerRow>(`SELECT ${COLUMNS} FROM controllers c WHERE c.expires_at > now() ORDER BY c.epoch`).map(fromRow);
  }

  reapControllers(dead?: (c: ControllerRecord) => boolean): ControllerRecord[] {
    const expired = this.db.all<ControllerRow>(`SELECT ${COLUMNS} FROM controllers c ORDER BY c.epoch`).map(fromRow);
    const now = Date.now();
    const gone = expired.filter((c) => Date.parse(c.expiresAt) <= now || dead?.(c) === true);
    if (gone.length === 0) return [];
    // Whoever deletes a row recovers its tasks; the DELETE waits for the dead controller's writes in flight (the fence's lock).
    const deleted = this.db.transaction(() => {
      const rows = this.db.column<number>(
        "DELETE FROM controllers WHERE epoch = ANY($1::bigint[]) AND (expires_at <= now() OR epoch = ANY($2::bigint[])) RETURNING epoch",
        [gone.map((c) => c.epoch), gone.filter((c) => dead?.(c) === true).map((c) => c.epoch)],
      );
      this.db.exec("DELETE FROM leaders WHERE holder NOT IN (SELECT id FROM controllers)");
      return new Set(rows);
    });
    return gone.filter((c) => deleted.has(c.epoch));
  }

  holdLeadership(name: string, holder: string): boolean {
    const got = this.db.value<string>(
      `INSERT INTO leaders (name, holder, since) VALUES ($1, $2, ${NOW_TEXT})
       ON CONFLICT (name) DO UPDATE SET holder = excluded.holder,
         since = CASE WHEN leaders.holder = excluded.holder THEN leaders.since ELSE excluded.since END
         WHERE leaders.holder = excluded.holder
            OR NOT EXISTS (SELECT 1 FROM controllers c WHERE c.id = leaders.holder AND c.expires_at > now())
       RETURNING holder`,
      [name, holder],
    );
    return got === holder;
  }

  releaseLeadership(name: string, holder: string): void {
    this.db.exec("DELETE FROM leaders WHERE name = $1 AND holder = $2", [name, holder]);
  }
}
