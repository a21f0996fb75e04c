import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { homeAt } from "../../../src/store/home-location.js";
import { openPgStore } from "../../../src/store/postgres/open.js";
import { openTaskStore } from "../../../src/store/task-store.js";
import { postgresUnavailable, startPostgres, type PostgresServer } from "../../support/postgres.js";

describe.skipIf(postgresUnavailable !== undefined)("pg smoke", () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(() => server?.stop());

  it("opens, migrates, writes and reads", () => {
    const url = server.createDatabase();
    const dir = mkdtempSync(join(tmpdir(), "orch-home-"));
    const home = homeAt(join(dir, ".orchestrator"));
    const store = openPgStore(url, home);
    const tasks = openTaskStore(store);
    const t = tasks.createTask({ name: "a", project: "default", origin: "cli", workflow: null, workspace: null, goal: "g", spec: { steps: [], vars: {}, targetFiles: [] }, queued: true });
    expect(tasks.getTask(t.id)?.name).toBe("a");
    const claimed = tasks.claimNextTask("w1");
    expect(claimed?.id).toBe(t.id);
    expect(store.listEvents({ taskId: t.id }).map((e) => e.type)).toEqual(["task_created", "task_queued", "task_started"]);
    store.close();
  });
});
