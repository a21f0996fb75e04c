/**
 * What `npm publish` would ship, read with `npm pack --dry-run` (scripts off,
 * so the build under test is not rebuilt): the name, the licence, the
 * commands, the schemas, presets and GitHub Action, and no source maps
 * without their sources.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, REPO_ROOT } from "./support/cli.js";

interface Pack {
  name: string;
  files: Array<{ path: string }>;
}

const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as {
  name: string;
  license: string;
  bin: Record<string, string>;
  dependencies: Record<string, string>;
  allowScripts?: Record<string, boolean>;
};

describe("the published package", () => {
  const pack = (JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: REPO_ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })) as Pack[])[0]!;
  const files = pack.files.map((f) => f.path);

  it("is named agent-orchestrator-gitops and installs the commands orchestrator and orchestratord", () => {
    expect(pack.name).toBe("agent-orchestrator-gitops");
    expect(Object.keys(pkg.bin).sort()).toEqual(["orchestrator", "orchestratord"]);
    for (const bin of Object.values(pkg.bin)) expect(files).toContain(bin);
    expect(cli(["version", "--json"], { cwd: REPO_ROOT }).code).toBe(0);
  });

  it("carries an MIT LICENSE matching package.json", () => {
    expect(pkg.license).toBe("MIT");
    expect(files).toContain("LICENSE");
    const text = readFileSync(join(REPO_ROOT, "LICENSE"), "utf8");
    expect(text).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} orchestrator authors\n/);
  });

  it("ships the schemas, the presets, the GitHub Action with its script, the docs and examples", () => {
    for (const f of ["schemas/orchestrator.json", "schemas/agent.json", "schemas/workflow.json", "presets/claude-code.yaml", "presets/codex.yaml", "presets/gemini-cli.yaml", "presets/opencode.yaml", "manifests/agents.yaml", "action.yml", "scripts/github-pr-comment.mjs", "docs/editors.md", "docs/review.md", "docs/presets.md"]) {
      expect(files).toContain(f);
    }
  });

  it("ships the web view prebuilt: its page, one script and one stylesheet, loading nothing from elsewhere", () => {
    expect(files).toContain("dist/web/index.html");
    expect(files).toContain("dist/web/assets/app.css");
    expect(files).toContain("docs/web.md");
    expect(files.filter((f) => /^dist\/web\/assets\/app-[A-Z0-9]+\.js$/.test(f))).toHaveLength(1);
    const page = readFileSync(join(REPO_ROOT, "dist/web/index.html"), "utf8");
    expect([...page.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]).filter((u) => !u!.startsWith("/assets/") && u !== "data:,")).toEqual([]);
    // Bundled into the script at build time, so not needed to run.
    for (const dev of ["preact", "esbuild", "playwright-core"]) expect(pkg.dependencies).not.toHaveProperty(dev);
  });

  it("ships no source map without its source", () => {
    const maps = files.filter((f) => f.endsWith(".map"));
    const sources = new Set(files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts")));
    expect(maps.filter((m) => !sources.has(m.replace(/^dist\//, "").replace(/\.js\.map$/, ".ts")))).toEqual([]);
  });

  it("depends on what it uses: no ajv-formats; better-sqlite3's install script is allowed", () => {
    expect(pkg.dependencies).not.toHaveProperty("ajv-formats");
    expect(pkg.dependencies).toHaveProperty("@bomb.sh/tab");
    expect(pkg.allowScripts).toEqual({ "better-sqlite3": true });
  });
});
