/**
 * The host probe: real bubblewrap, reached through a wrapper that counts its
 * runs, so the tests see how often the engine pays for a probe.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { openBoundary } from "../../src/sandbox/boundary.js";
import { BWRAP_ENV, CGROUP_ENV, findExecutable, forgetHostProbe, probeHost, probeHostAsync } from "../../src/sandbox/host-probe.js";
import { IMPLICIT_HOST_PROFILE } from "../../src/sandbox/profile.js";

const bwrap = findExecutable("bwrap");
let dir: string;
let wrapper: string;
let counter: string;

/** The wrapper's environment: cgroups off, so nothing but bubblewrap is probed. */
const env = (): NodeJS.ProcessEnv => ({ ...process.env, [BWRAP_ENV]: wrapper, [CGROUP_ENV]: "none" });
const runs = (): number => readFileSync(counter, "utf8").split("\n").filter(Boolean).length;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "orch-probe-"));
  counter = join(dir, "runs");
  writeFileSync(counter, "");
  wrapper = join(dir, "bwrap");
  writeFileSync(wrapper, `#!/bin/sh\necho run >> '${counter}'\nexec '${bwrap ?? "/nonexistent/bwrap"}' "$@"\n`);
  chmodSync(wrapper, 0o755);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  forgetHostProbe();
  writeFileSync(counter, "");
});

describe.skipIf(!bwrap)("host probe", () => {
  it("steps asking at once share one bubblewrap run, and the answer is kept", async () => {
    const answers = await Promise.all([probeHostAsync(env()), probeHostAsync(env()), probeHostAsync(env())]);
    expect(runs()).toBe(1);
    expect(answers[0]!.bwrap).toEqual({ path: wrapper, usable: true });
    expect(answers[1]).toBe(answers[0]);
    expect(answers[2]).toBe(answers[0]);
    // The blocking probe (check) reads the same cache.
    expect(probeHost(env())).toBe(answers[0]);
    expect(runs()).toBe(1);
  });
  it("the blocking and the non-blocking probe find the same", async () => {
    const sync = probeHost(env());
    forgetHostProbe();
    const async = await probeHostAsync(env());
    expect(async).toEqual(sync);
    expect(runs()).toBe(2);
  });
  it("a bubblewrap that cannot make a sandbox is unusable, with its own words as the reason", async () => {
    writeFileSync(wrapper, `#!/bin/sh\necho run >> '${counter}'\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n`);
    try {
      const caps = await probeHostAsync(env());
      expect(caps.bwrap.usable).toBe(false);
      expect(caps.bwrap.problem).toContain("No permissions to create new namespace");
    } finally {
      writeFileSync(wrapper, `#!/bin/sh\necho run >> '${counter}'\nexec '${bwrap}' "$@"\n`);
    }
  });
  it("a host step opens without probing", async () => {
    const boundary = await openBoundary({ profile: IMPLICIT_HOST_PROFILE, runId: "r", workspace: dir, env: env() });
    expect(boundary.launcher).toEqual([]);
    expect(runs()).toBe(0);
  });
});

describe("host probe without bubblewrap", () => {
  it("a missing binary is unusable without running anything", async () => {
    const caps = await probeHostAsync({ ...process.env, [BWRAP_ENV]: join(dir, "missing-bwrap"), [CGROUP_ENV]: "none" });
    expect(caps.bwrap.usable).toBe(false);
    expect(caps.bwrap.problem).toContain("bubblewrap not found");
  });
});
