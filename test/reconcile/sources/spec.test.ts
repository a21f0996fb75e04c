import { describe, expect, it } from "vitest";
import { formatInterval, parseInterval, sourceSpecFrom } from "../../../src/reconcile/sources/spec.js";
import { homeAt } from "../../../src/store/home.js";

const home = homeAt("/repo/.orchestrator");

describe("source settings", () => {
  it("parses and prints intervals", () => {
    expect(parseInterval("60s")).toBe(60_000);
    expect(parseInterval("1m30s")).toBe(90_000);
    expect(parseInterval("2h")).toBe(7_200_000);
    expect(parseInterval("45")).toBe(45_000);
    expect(() => parseInterval("10 minutes")).toThrow(/invalid interval '10 minutes'/);
    expect(parseInterval("500ms")).toBe(500);
    expect(() => parseInterval("50ms")).toThrow(/shorter than 100ms/);
    expect(formatInterval(90_000)).toBe("1m30s");
    expect(formatInterval(60_000)).toBe("1m");
  });

  it("records directories relative to the project root, and checks what was given", () => {
    expect(sourceSpecFrom({ name: "m", dir: "manifests" }, home, "/repo")).toEqual({ name: "m", type: "dir", dir: "manifests", intervalMs: 60_000, project: "default", prune: true });
    expect(sourceSpecFrom({ name: "m", dir: "../x" }, home, "/repo/sub").dir).toBe("x");
    expect(sourceSpecFrom({ name: "m", dir: "/elsewhere" }, home, "/repo").dir).toBe("/elsewhere");
    expect(sourceSpecFrom({ name: "g", git: "https://h/r.git", ref: "main", path: "./deploy/", prune: false, project: "team" }, home, "/repo")).toEqual({
      name: "g", type: "git", url: "https://h/r.git", ref: "main", path: "deploy", intervalMs: 60_000, project: "team", prune: false,
    });
    expect(() => sourceSpecFrom({ name: "bad name", dir: "x" }, home, "/repo")).toThrow(/source name 'bad name'/);
    // A local repository path is made absolute (the clone runs elsewhere); URLs and scp-like addresses are kept.
    expect(sourceSpecFrom({ name: "l", git: "../up.git" }, home, "/repo/sub").url).toBe("/repo/up.git");
    expect(sourceSpecFrom({ name: "l", git: "/srv/r.git" }, home, "/repo").url).toBe("/srv/r.git");
    expect(sourceSpecFrom({ name: "l", git: "git@host:team/r.git" }, home, "/repo").url).toBe("git@host:team/r.git");
    expect(sourceSpecFrom({ name: "l", git: "file:///srv/r.git" }, home, "/repo").url).toBe("file:///srv/r.git");
    expect(() => sourceSpecFrom({ name: "x" }, home, "/repo")).toThrow(/exactly one of --dir PATH or --git URL/);
    expect(() => sourceSpecFrom({ name: "x", dir: "d", ref: "main" }, home, "/repo")).toThrow(/--git sources only/);
    expect(() => sourceSpecFrom({ name: "x", git: "--upload-pack=evil" }, home, "/repo")).toThrow(/invalid git URL/);
    expect(() => sourceSpecFrom({ name: "x", git: "u", path: "../up" }, home, "/repo")).toThrow(/leaves the repository/);
  });
});
