import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { initHome } from "../../../src/store/home.js";
import { LIST_PROJECTS, listResourcesSql, type ListShape } from "../../../src/store/sqlite/resource-queries.js";
import { removeTempDirs, tempDir } from "../helpers.js";

afterAll(removeTempDirs);

function plan(sql: string, params: string[]): string {
  const { home } = initHome(tempDir(), {});
  const db = new Database(home.dbPath, { readonly: true });
  const rows = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[];
  db.close();
  return rows.map((r) => r.detail).join("\n");
}

describe("listResourcesSql", () => {
  const cases: [string, ListShape, string[]][] = [
    ["a kind in a project", { project: true, kind: true, name: false }, ["default", "Agent"]],
    ["a kind in every project", { project: false, kind: true, name: false }, ["Agent"]],
    ["a name of a kind in a project", { project: true, kind: true, name: true }, ["default", "Agent", "a"]],
    ["everything in a project", { project: true, kind: false, name: false }, ["default"]],
  ];
  for (const [what, shape, params] of cases) {
    it(`lists ${what} with one indexed search on every filtered column and no sort`, () => {
      const p = plan(listResourcesSql(shape), params);
      expect(p).toMatch(/^SEARCH resources USING INDEX resources_(key|kind) \(/);
      for (const col of ["project", "kind", "name"] as const) {
        if (shape[col]) expect(p).toContain(`${col}=?`);
      }
      expect(p).not.toMatch(/SCAN resources|TEMP B-TREE/);
    });
  }

  it("lists projects from indexes only", () => {
    expect(plan(LIST_PROJECTS, [])).not.toMatch(/SCAN resources(?! USING (COVERING )?INDEX)/);
  });
});
