/**
 * @module `orchestrator db status` and `orchestrator db migrations list`.
 */
import { withStore } from "../context.js";
import { writeOut } from "../output/io.js";
import { renderTable } from "../output/table.js";

export async function dbStatusCommand(opts: { output?: "text" | "json" }): Promise<void> {
  await withStore(({ store }) => {
    const s = store.status();
    if (opts.output === "json") {
      writeOut(JSON.stringify(s, null, 2) + "\n");
      return;
    }
    writeOut(
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

export async function migrationsListCommand(opts: { output?: "text" | "json" }): Promise<void> {
  await withStore(({ store }) => {
    const ms = store.migrations();
    if (opts.output === "json") {
      writeOut(JSON.stringify(ms, null, 2) + "\n");
      return;
    }
    writeOut(renderTable(["VERSION", "NAME", "APPLIED"], ms.map((m) => [String(m.version), m.name, m.appliedAt ?? "pending"])));
  });
}
