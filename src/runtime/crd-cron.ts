/**
 * @module Cron plugins of CustomResourceDefinitions, run by the controller:
 * a plugin `{type: cron, schedule, timezone, command, timeout}` runs its
 * command (`sh -c`, in the project root) at each tick of its schedule while
 * the controller runs. The plan is rebuilt from the stored CRDs whenever the
 * resources version moves; the plugin policy is read again before each run,
 * so a policy tightened after apply stops the command. Missed ticks are not
 * backfilled and a run still going when its next tick comes skips that
 * tick. Each run is recorded as a `crd_plugin_ran`, `crd_plugin_failed` or
 * `crd_plugin_refused` event on the CRD.
 */
import { execa } from "execa";
import { loadPluginPolicy, policyRefusal } from "../reconcile/crd-plugins.js";
import type { JsonObject } from "../resources/types.js";
import type { Home } from "../store/home.js";
import type { Store } from "../store/store.js";
import { nextFireTime } from "./triggers/schedule.js";

export interface CronPluginOptions {
  home: Home;
  store: Store;
  log?: (line: string) => void;
  /** How often the plan and the due ticks are looked at. Default 250 ms. */
  tickMs?: number;
}

export interface CronPlugins {
  /** Stops the timer and waits for running commands. Idempotent. */
  stop(): Promise<void>;
}

interface Entry {
  crd: string;
  plugin: string;
  schedule: string;
  timezone: string;
  command: string;
  timeoutMs: number;
  nextAt: Date | null;
}

const ACTOR = "controller";
const OUTPUT_TAIL = 2000;

export function startCronPlugins(opts: CronPluginOptions): CronPlugins {
  const log = opts.log ?? (() => undefined);
  const entries = new Map<string, Entry>();
  /** Commands running, by entry key: a tick that comes while its command runs is skipped. */
  const running = new Map<string, Promise<void>>();
  let seenVersion = -1;
  let stopped = false;

  const replan = (): void => {
    const version = opts.store.resourcesVersion();
    if (version === seenVersion) return;
    seenVersion = version;
    const now = new Date();
    const wanted = new Map<string, Omit<Entry, "nextAt">>();
    for (const crd of opts.store.listResources({ kind: "CustomResourceDefinition", allProjects: true })) {
      const plugins = Array.isArray(crd.spec["plugins"]) ? crd.spec["plugins"] : [];
      for (const p of plugins) {
        if (!p || typeof p !== "object" || Array.isArray(p)) continue;
        const plugin = p as JsonObject;
        if (plugin["type"] !== "cron" || typeof plugin["schedule"] !== "string" || typeof plugin["command"] !== "string") continue;
        const name = String(plugin["name"] ?? "");
        wanted.set(`${crd.metadata.name}\u0000${name}`, {
          crd: crd.metadata.name,
          plugin: name,
          schedule: plugin["schedule"],
          timezone: typeof plugin["timezone"] === "string" ? plugin["timezone"] : "UTC",
          command: plugin["command"],
          timeoutMs: (typeof plugin["timeout"] === "number" && plugin["timeout"] > 0 ? plugin["timeout"] : 30) * 1000,
        });
      }
    }
    for (const key of [...entries.keys()]) if (!wanted.has(key)) entries.delete(key);
    for (const [key, w] of wanted) {
      const old = entries.get(key);
      if (old && old.schedule === w.schedule && old.timezone === w.timezone) {
        Object.assign(old, w);
        continue;
      }
      let nextAt: Date | null = null;
      try {
        nextAt = nextFireTime(w.schedule, w.timezone, now);
      } catch (err) {
        log(`crd plugins: ${w.crd}/${w.plugin}: schedule ${JSON.stringify(w.schedule)}: ${(err as Error).message}`);
      }
      entries.set(key, { ...w, nextAt });
      if (nextAt) log(`crd plugins: ${w.crd}/${w.plugin} next runs at ${nextAt.toISOString()}`);
    }
  };

  const runOne = async (e: Entry, tick: Date): Promise<void> => {
    const base = { project: null, kind: "CustomResourceDefinition", name: e.crd, actor: ACTOR };
    const data = { plugin: e.plugin, schedule: e.schedule, tick: tick.toISOString(), command: e.command };
    let refusal: string | undefined;
    try {
      refusal = policyRefusal(loadPluginPolicy(opts.home.dir), e.command);
    } catch (err) {
      refusal = (err as Error).message;
    }
    if (refusal) {
      opts.store.appendEvent({ ...base, type: "crd_plugin_refused", message: `cron plugin '${e.plugin}' of ${e.crd} did not run: ${refusal}`, data });
      log(`crd plugins: ${e.crd}/${e.plugin} refused: ${refusal}`);
      return;
    }
    const started = Date.now();
    const r = await execa("/bin/sh", ["-c", e.command], { cwd: opts.home.root, reject: false, timeout: e.timeoutMs, stdin: "ignore", all: true, env: { CRD_NAME: e.crd, PLUGIN_NAME: e.plugin, PLUGIN_TICK: tick.toISOString() } });
    const output = String(r.all ?? "").slice(-OUTPUT_TAIL);
    const ok = r.exitCode === 0 && !r.timedOut;
    const why = r.timedOut ? `timed out after ${e.timeoutMs / 1000}s` : `exit ${r.exitCode ?? "?"}`;
    opts.store.appendEvent({
      ...base,
      type: ok ? "crd_plugin_ran" : "crd_plugin_failed",
      message: ok ? `cron plugin '${e.plugin}' of ${e.crd} ran` : `cron plugin '${e.plugin}' of ${e.crd} failed (${why})`,
      data: { ...data, exitCode: r.exitCode ?? null, timedOut: Boolean(r.timedOut), durationMs: Date.now() - started, output },
    });
    log(`crd plugins: ${e.crd}/${e.plugin} ${ok ? "ran" : `failed (${why})`}`);
  };

  const tick = (): void => {
    if (stopped) return;
    try {
      replan();
    } catch (err) {
      log(`crd plugins: ${(err as Error).message}`);
      return;
    }
    const now = new Date();
    for (const [key, e] of entries) {
      if (!e.nextAt || e.nextAt > now) continue;
      const due = e.nextAt;
      e.nextAt = nextFireTime(e.schedule, e.timezone, now);
      if (running.has(key)) {
        log(`crd plugins: ${e.crd}/${e.plugin} still running; tick ${due.toISOString()} skipped`);
        continue;
      }
      running.set(
        key,
        runOne(e, due)
          .catch((err: unknown) => log(`crd plugins: ${e.crd}/${e.plugin}: ${(err as Error).message}`))
          .finally(() => running.delete(key)),
      );
    }
  };

  const timer = setInterval(tick, opts.tickMs ?? 250);
  tick();
  return {
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      await Promise.all([...running.values()]);
    },
  };
}
