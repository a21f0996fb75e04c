/**
 * @module `orchestrator db status` and `orchestrator db migrations list`,
 * through the output contract (`kind: StoreStatus`; migrations a List of
 * `kind: Migration`).
 */
import type { MigrationInfo } from "../../store/store.js";
import { withStore } from "../context.js";
import type { OutputFormat } from "../output/format.js";
import { printList, printObject, type Listing } from "../output/printer.js";

interface Flags {
  output?: OutputFormat;
  headers?: boolean;
  sortBy?: string;
}

export async function dbStatusCommand(opts: Flags): Promise<void> {
  await withStore(({ store }) => {
    const s = store.status();
    printObject("StoreStatus", { ...s }, s.path, opts, () =>
      [
        `Store:           ${s.path}`,
        `Size:            ${s.sizeBytes} bytes`,
        `Journal mode:    ${s.journalMode}`,
        `Schema version:  ${s.schemaVersion} (latest ${s.latestVersion}${s.pending ? `, ${s.pending} pending` : ""})`,
        `Resources:       ${s.resources}`,
        `Projects:        ${s.projects}`,
        `Events:          ${s.events}`,
      ].join("\n") + "\n",
    );
  });
}

const migrationListing: Listing<MigrationInfo> = {
  kind: "Migration",
  view: (m) => ({ version: m.version, name: m.name, appliedAt: m.appliedAt }),
  name: (m) => String(m.version),
  columns: [
    { header: "VERSION", value: (m) => String(m.version) },
    { header: "NAME", value: (m) => m.name },
    { header: "APPLIED", value: (m) => m.appliedAt ?? "pending" },
  ],
};

export async function migrationsListCommand(opts: Flags): Promise<void> {
  await withStore(({ store }) => printList(migrationListing, store.migrations(), opts));
}
