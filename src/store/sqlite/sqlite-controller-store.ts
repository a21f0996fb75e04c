/**
 * @module The controller registry of a SQLite store. One controller owns a
 * SQLite store (its lock file says which), so leadership is always its own; controllers are still recorded (as `controller.<id>`
 * meta rows) so `controller status` reads them the same way on either store.
 */
import type { ControllerInfo, ControllerRecord, ControllerStore } from "../controller-store.js";
import type { SqliteStore } from "./sqlite-store.js";

const PREFIX = "controller.";
/** `controller.<epoch>`: other meta keys share the prefix (`controller.http:<host>:<home>`, a listener's address). */
const RECORD_KEY = /^controller\.\d+$/;

type Stored = Omit<ControllerRecord, "tasks">;

export class SqliteControllerStore implements ControllerStore {
  readonly shared = false;

  constructor(
    private readonly store: SqliteStore,
    private readonly metaKeys: () => string[],
    private readonly deleteMeta: (key: string) => void,
    private readonly claimedBy: (prefix: string) => number,
  ) {}

  registerController(info: ControllerInfo, leaseMs: number): ControllerRecord {
    const now = new Date();
    return this.store.writeTransaction(() => {
      const epoch = Number(this.store.getMeta("controller_epoch") ?? "0") + 1;
      this.store.setMeta("controller_epoch", String(epoch));
      const record: Stored = { ...info, epoch, startedAt: now.toISOString(), heartbeatAt: now.toISOString(), expiresAt: new Date(now.getTime() + leaseMs).toISOString() };
      this.store.setMeta(`${PREFIX}${epoch}`, JSON.stringify(record));
      return { ...record, tasks: 0 };
    });
  }

  renewController(epoch: number, leaseMs: number): boolean {
    return this.store.writeTransaction(() => {
      const current = this.read(epoch);
      if (!current) return false;
      const now = new Date();
      this.store.setMeta(`${PREFIX}${epoch}`, JSON.stringify({ ...current, heartbeatAt: now.toISOString(), expiresAt: new Date(now.getTime() + leaseMs).toISOString() }));
      return true;
    });
  }

  unregisterController(epoch: number): void {
    this.store.writeTransaction(() => this.deleteMeta(`${PREFIX}${epoch}`));
  }

  listControllers(): ControllerRecord[] {
    const now = Date.now();
    return this.all()
      .filter((c) => Date.parse(c.expiresAt) > now)
      .map((c) => ({ ...c, tasks: this.claimedBy(c.id) }));
  }

  reapControllers(dead?: (c: ControllerRecord) => boolean): ControllerRecord[] {
    const now = Date.now();
    return this.store.writeTransaction(() => {
      const gone = this.all()
        .map((c) => ({ ...c, tasks: this.claimedBy(c.id) }))
        .filter((c) => Date.parse(c.expiresAt) <= now || dead?.(c) === true);
      for (const c of gone) this.deleteMeta(`${PREFIX}${c.epoch}`);
      return gone;
    });
  }

  holdLeadership(): boolean {
    return true;
  }

  releaseLeadership(): void {}

  private read(epoch: number): Stored | undefined {
    const text = this.store.getMeta(`${PREFIX}${epoch}`);
    return text === undefined ? undefined : (JSON.parse(text) as Stored);
  }

  private all(): Stored[] {
    return this.metaKeys()
      .filter((k) => RECORD_KEY.test(k))
      .map((k) => JSON.parse(this.store.getMeta(k)!) as Stored)
      .sort((a, b) => a.epoch - b.epoch);
  }
}
