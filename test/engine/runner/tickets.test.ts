import { afterEach, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTicket, frontMatter, openTickets } from "../../../src/engine/runner/tickets.js";

describe("tickets", () => {
  let root: string;
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("creates a ticket per failure and counts open tickets per item", () => {
    root = mkdtempSync(join(tmpdir(), "tickets-"));
    const dir = join(root, "tickets");
    const rel = createTicket(dir, { taskId: "t-1", item: "docs/qa/a.md", step: "qa", cycle: 1, exitCode: 2, output: "boom" }, root);
    createTicket(dir, { taskId: "t-1", item: "docs/qa/a.md", step: "qa", cycle: 1, exitCode: 2, output: "boom again" }, root);
    createTicket(dir, { taskId: "t-1", item: "docs/qa/b.md", step: "qa", cycle: 1, exitCode: 1, output: "" }, root);
    expect(rel).toMatch(/^tickets\/t-1-docs_qa_a\.md-c1-qa\.md$/);
    expect(readFileSync(join(root, rel), "utf8")).toMatch(/status: open[\s\S]*boom/);
    expect(openTickets(dir, "docs/qa/a.md")).toHaveLength(2);
    expect(openTickets(dir)).toHaveLength(3);
    writeFileSync(join(root, rel), readFileSync(join(root, rel), "utf8").replace("status: open", "status: resolved"));
    expect(openTickets(dir, "docs/qa/a.md")).toHaveLength(1);
  });

  it("treats a ticket without front matter as open for every item", () => {
    root = mkdtempSync(join(tmpdir(), "tickets-"));
    writeFileSync(join(root, "plain.md"), "# a hand-written ticket\n");
    expect(openTickets(root, "any.md")).toHaveLength(1);
    expect(openTickets(join(root, "missing"))).toEqual([]);
  });

  it("reads front matter as YAML: quotes, comments and case", () => {
    root = mkdtempSync(join(tmpdir(), "tickets-"));
    writeFileSync(join(root, "a.md"), '---\nstatus: "resolved" # fixed in abc123\nitem: docs/qa/a.md\n---\n# done\n');
    writeFileSync(join(root, "b.md"), "---\nstatus: 'Closed'\n---\n");
    writeFileSync(join(root, "c.md"), "---\n# status: resolved is only a comment here\nstatus: open\n---\n");
    writeFileSync(join(root, "d.md"), '---\nstatus: "resolved # not a comment inside quotes"\n---\n');
    expect(openTickets(root).map((t) => t.path.slice(root.length + 1))).toEqual(["c.md", "d.md"]);
  });

  it("gives nothing for front matter that is not a YAML mapping", () => {
    expect(frontMatter("---\n- a\n- b\n---\n")).toEqual({});
    expect(frontMatter("---\nstatus: [unclosed\n---\n")).toEqual({});
    expect(frontMatter("---\nstatus: resolved\ncycle: 2\nflag: true\n---")).toEqual({ status: "resolved", cycle: "2", flag: "true" });
  });

  it("matches tickets to items whose paths hold quotes, newlines and control characters", () => {
    root = mkdtempSync(join(tmpdir(), "tickets-"));
    const dir = join(root, "tickets");
    const items = [`docs/qa/it's "quoted".md`, "docs/qa/two\nlines.md", "docs/qa/tab\tand\u007fdel\\.md", "docs/qa/plain.md", " docs/qa/spaced.md "];
    for (const item of items) createTicket(dir, { taskId: "t-1", item, step: "qa", cycle: 1, exitCode: 1, output: "" }, root);
    for (const item of items) expect(openTickets(dir, item).map((t) => t.item)).toEqual([item]);
    expect(openTickets(dir)).toHaveLength(items.length);
  });
});
