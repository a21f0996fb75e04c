import { describe, expect, it } from "vitest";
import { readTrigger, TriggerSpecError } from "../../../src/runtime/triggers/spec.js";
import type { JsonObject } from "../../../src/resources/types.js";
import type { StoredResource } from "../../../src/store/store.js";

const stored = (spec: JsonObject): StoredResource => ({
  apiVersion: "orchestrator.dev/v2",
  kind: "Trigger",
  metadata: { name: "t", project: "p" },
  spec,
  generation: 3,
  hash: "h",
  origin: { appliedBy: "cli" },
  createdAt: "2026-01-01T00:00:00.000Z",
  updatedAt: "2026-01-01T00:00:00.000Z",
});

const action = { workflow: "wf", workspace: "ws" };

describe("readTrigger", () => {
  it("reads a cron trigger with the documented defaults", () => {
    expect(readTrigger(stored({ cron: { schedule: "0 2 * * *" }, action }))).toEqual({
      project: "p",
      name: "t",
      generation: 3,
      createdAt: "2026-01-01T00:00:00.000Z",
      spec: {
        source: { kind: "cron", schedule: "0 2 * * *", timezone: "UTC" },
        action: { workflow: "wf", workspace: "ws", vars: {}, start: true },
        concurrencyPolicy: "Allow",
        suspend: false,
        historyLimit: { successful: 5, failed: 5 },
        minIntervalSecs: 0,
      },
    });
  });

  it("takes concurrency_policy, a number for historyLimit, suspend and action fields", () => {
    const t = readTrigger(stored({ cron: { schedule: "* * * * *", timezone: "Europe/Berlin" }, action: { ...action, goal: "g", start: false }, concurrency_policy: "Replace", historyLimit: 2, suspend: true }));
    expect(t.spec).toMatchObject({
      source: { timezone: "Europe/Berlin" },
      action: { goal: "g", start: false },
      concurrencyPolicy: "Replace",
      suspend: true,
      historyLimit: { successful: 2, failed: 2 },
    });
  });

  it("reads action.args as the task's variables, one value each, and throttle.minInterval in seconds", () => {
    const t = readTrigger(stored({ cron: { schedule: "* * * * *" }, action: { ...action, args: { env: ["staging"], region: "eu" } }, throttle: { minInterval: 90 } }));
    expect(t.spec.action.vars).toEqual({ env: "staging", region: "eu" });
    expect(t.spec.minIntervalSecs).toBe(90);
    expect(readTrigger(stored({ cron: { schedule: "* * * * *" }, action, throttle: {} })).spec.minIntervalSecs).toBe(0);
    // Validation refuses these; one stored before that check is not guessed at.
    expect(() => readTrigger(stored({ cron: { schedule: "* * * * *" }, action: { ...action, args: { env: ["a", "b"] } } }))).toThrow(/spec\.action\.args\.env must be one string/);
  });

  it("reads task event and filesystem triggers with their filters", () => {
    expect(readTrigger(stored({ event: { source: "task_failed", filter: { workflow: "build", condition: "true" } }, action })).spec.source).toEqual({
      kind: "task_event",
      source: "task_failed",
      workflow: "build",
      condition: "true",
    });
    expect(readTrigger(stored({ event: { source: "filesystem", filesystem: { paths: ["docs"] } }, action })).spec.source).toEqual({
      kind: "filesystem",
      paths: ["docs"],
      events: ["create", "modify", "delete"],
      debounceMs: 500,
    });
  });

  it("reads a webhook trigger: its SecretStore, its signature header (GitHub's by default) and its condition", () => {
    expect(readTrigger(stored({ event: { source: "webhook" }, action })).spec.source).toEqual({ kind: "webhook", signatureHeader: "X-Hub-Signature-256" });
    const signed = { source: "webhook", webhook: { secret: { fromRef: "hook-keys" }, signatureHeader: "X-Signature" }, filter: { condition: "payload_ref != ''" } };
    expect(readTrigger(stored({ event: signed, action })).spec.source).toEqual({ kind: "webhook", secretRef: "hook-keys", signatureHeader: "X-Signature", condition: "payload_ref != ''" });
  });

  it("refuses what the scheduler cannot run, saying which field", () => {
    expect(() => readTrigger(stored({ event: { source: "github" }, action }))).toThrow(TriggerSpecError);
    expect(() => readTrigger(stored({ event: { source: "github" }, action }))).toThrow(/spec\.event\.source 'github'/);
    expect(() => readTrigger(stored({ action }))).toThrow(/neither spec\.cron nor spec\.event/);
  });
});
