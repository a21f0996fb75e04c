/**
 * @module What `orchestrator check` says about execution profiles: what this
 * host offers (bubblewrap, cgroups, prlimit) and, per profile, how each
 * field is enforced here or why it cannot be, with a warning for every
 * profile a step would fail under (`unsupported_backend_feature`).
 */
import type { Diagnostic } from "../../resources/diagnostics.js";
import type { StoredResource } from "../../store/store.js";
import { planEnforcement, UNSUPPORTED_BACKEND_FEATURE, type EnforcementPlan } from "../../sandbox/enforcement.js";
import type { HostCapabilities } from "../../sandbox/host-probe.js";
import { profileFromSpec } from "../../sandbox/profile.js";
import { applyDefaults } from "../../resources/defaults.js";
import type { JsonObject } from "../../resources/types.js";
import { renderTable } from "./table.js";

export interface ProfileReport {
  project: string;
  name: string;
  plan: EnforcementPlan;
  resource: StoredResource;
}

export function profileReports(profiles: readonly StoredResource[], caps: HostCapabilities): ProfileReport[] {
  return profiles.map((r) => ({
    project: r.metadata.project ?? "default",
    name: r.metadata.name,
    resource: r,
    plan: planEnforcement(profileFromSpec(r.metadata.name, applyDefaults(r).spec), caps),
  }));
}

/** One warning per profile this host cannot enforce. */
export function profileWarnings(reports: readonly ProfileReport[]): Diagnostic[] {
  return reports
    .filter((r) => r.plan.unsupported.length > 0)
    .map((r) => {
      const d: Diagnostic = {
        severity: "warning",
        code: "unsupported-backend-feature",
        resource: `executionprofile/${r.name}`,
        path: `spec.${r.plan.unsupported[0]!.field}`,
        message: `${UNSUPPORTED_BACKEND_FEATURE}: this host cannot enforce ${r.plan.unsupported.map((f) => f.field).join(", ")} (${[...new Set(r.plan.unsupported.map((f) => f.detail))].join("; ")}); steps under this profile fail without running`,
        hint: "install bubblewrap (and util-linux for prlimit), or run the controller on a host that can enforce the profile",
      };
      if (r.resource.origin.file) d.position = { file: r.resource.origin.file, line: r.resource.origin.line ?? 1, column: 1 };
      return d;
    });
}

export function hostSummary(caps: HostCapabilities): string {
  const bwrap = caps.bwrap.usable ? `bubblewrap ${caps.bwrap.path}` : `no sandbox (${caps.bwrap.problem})`;
  const cg = (["memory", "pids"] as const).filter((r) => caps.cgroup[r]).map((r) => `${r} v${caps.cgroup[r]!.version}`);
  const cgroups = cg.length ? `cgroups: ${cg.join(", ")}` : `no cgroups (${caps.cgroup.problem ?? "none found"})`;
  return `${bwrap}; ${cgroups}; ${caps.prlimit ? `prlimit ${caps.prlimit}` : "no prlimit"}${caps.root ? "; running as root" : ""}`;
}

export function renderProfileReports(reports: readonly ProfileReport[], caps: HostCapabilities): string {
  if (reports.length === 0) return "";
  let out = `Execution profiles on this host (${hostSummary(caps)}):\n`;
  for (const r of reports) {
    const verdict = r.plan.unsupported.length ? `NOT ENFORCEABLE (${UNSUPPORTED_BACKEND_FEATURE}): its steps fail without running` : "enforced";
    out += `\nexecutionprofile/${r.name}${r.project !== "default" ? ` (project ${r.project})` : ""}: ${verdict}\n`;
    const rows = r.plan.fields.map((f) => [f.field, f.value, f.enforced ? "yes" : "NO", f.detail]);
    out += renderTable(["FIELD", "VALUE", "ENFORCED", "HOW"], rows)
      .split("\n")
      .map((l) => (l ? `  ${l}` : l))
      .join("\n");
  }
  return out;
}

export function profileReportsJson(reports: readonly ProfileReport[], caps: HostCapabilities): JsonObject {
  return {
    host: {
      sandbox: caps.bwrap.usable,
      bwrap: caps.bwrap.path,
      ...(caps.bwrap.problem ? { bwrapProblem: caps.bwrap.problem } : {}),
      cgroups: Object.fromEntries((["memory", "pids"] as const).filter((r) => caps.cgroup[r]).map((r) => [r, { version: caps.cgroup[r]!.version, parent: caps.cgroup[r]!.parent }])),
      ...(caps.cgroup.problem ? { cgroupProblem: caps.cgroup.problem } : {}),
      prlimit: caps.prlimit ?? null,
      root: caps.root,
    },
    profiles: reports.map((r) => ({
      project: r.project,
      name: r.name,
      enforceable: r.plan.unsupported.length === 0,
      fields: r.plan.fields.map((f) => ({ field: f.field, value: f.value, enforced: f.enforced, detail: f.detail })),
    })),
  };
}
