/**
 * @module Tickets: Markdown files in the workspace's `ticket_dir` that record
 * a failed QA check for an item. `create_ticket` writes one; `scan_tickets`
 * and the `ticket_scan` builtin count the open ones. A ticket is open unless
 * its front matter says `status: resolved` (or `closed`, `fixed`, `verified`,
 * `done`).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parse as parseYaml } from "yaml";
import { insideWorkspace } from "./items.js";

/** Letters, digits, '.', '_' and '-' only, no '..': a name that stays in its folder. */
function fileSafe(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, "_").replace(/\.{2,}/g, "_").replace(/^[_.]+|_+$/g, "");
}

const CLOSED = new Set(["resolved", "closed", "fixed", "verified", "done"]);

export interface TicketInfo {
  path: string;
  status: string;
  item?: string;
  task?: string;
}

/**
 * The ticket's front matter (the YAML between the leading `---` lines), read
 * by a YAML parser so quotes, comments and block scalars mean what they mean
 * in YAML. Scalars become text; front matter that is not a YAML mapping
 * gives nothing (the ticket counts as open).
 */
export function frontMatter(text: string): Record<string, string> {
  const m = /^---[ \t]*\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/.exec(text);
  const out: Record<string, string> = {};
  if (!m) return out;
  let doc: unknown;
  try {
    doc = parseYaml(m[1]!, { uniqueKeys: false });
  } catch {
    return out;
  }
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) return out;
  for (const [k, v] of Object.entries(doc as Record<string, unknown>)) {
    // An item is a path, kept exactly: one may begin or end with a space.
    if (typeof v === "string") out[k] = k === "item" ? v : v.trim();
    else if (typeof v === "number" || typeof v === "boolean") out[k] = String(v);
  }
  return out;
}

export function readTickets(ticketDir: string | undefined): TicketInfo[] {
  if (!ticketDir || !existsSync(ticketDir)) return [];
  return readdirSync(ticketDir)
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((f) => {
      const path = join(ticketDir, f);
      const fm = frontMatter(readFileSync(path, "utf8"));
      const t: TicketInfo = { path, status: (fm["status"] ?? "open").toLowerCase() };
      if (fm["item"]) t.item = fm["item"];
      if (fm["task"]) t.task = fm["task"];
      return t;
    });
}

/** Open tickets for an item (or all open tickets when no item is given). */
export function openTickets(ticketDir: string | undefined, item?: string): TicketInfo[] {
  return readTickets(ticketDir).filter((t) => !CLOSED.has(t.status) && (item === undefined || t.item === undefined || t.item === item));
}

export interface NewTicket {
  taskId: string;
  item: string;
  step: string;
  cycle: number;
  exitCode: number;
  /** Tail of what the step printed. */
  output: string;
}

export function createTicket(ticketDir: string, t: NewTicket, workspaceRoot: string): string {
  // Tickets are written only inside ticket_dir, and ticket_dir only inside the workspace (links resolved).
  if (!insideWorkspace(workspaceRoot, ticketDir)) throw new Error(`ticket_dir ${ticketDir} is outside the workspace root ${workspaceRoot} (symbolic links resolved); tickets are written only inside the workspace`);
  mkdirSync(ticketDir, { recursive: true });
  const slug = fileSafe(t.item || "task").slice(0, 80) || "task";
  const step = fileSafe(t.step) || "step";
  let path = join(ticketDir, `${t.taskId}-${slug}-c${t.cycle}-${step}.md`);
  for (let n = 2; existsSync(path); n++) path = join(ticketDir, `${t.taskId}-${slug}-c${t.cycle}-${step}-${n}.md`);
  const body = [
    "---",
    "status: open",
    `task: ${t.taskId}`,
    `item: ${yamlString(t.item)}`,
    `step: ${t.step}`,
    `cycle: ${t.cycle}`,
    `exit_code: ${t.exitCode}`,
    `created: ${new Date().toISOString()}`,
    "---",
    `# ${t.step} failed for ${t.item ? oneLine(t.item) : "the task"} (cycle ${t.cycle})`,
    "",
    "```",
    t.output.trimEnd().slice(-8000),
    "```",
    "",
  ].join("\n");
  writeFileSync(path, body);
  return relative(workspaceRoot, path);
}

/** A path for a heading: line breaks shown as `\n`, so the heading stays one line. */
function oneLine(text: string): string {
  return text.replace(/\r/g, "\\r").replace(/\n/g, "\\n");
}

/**
 * A YAML double-quoted scalar: JSON's escapes are YAML's, plus the
 * characters YAML does not allow unescaped there (DEL, C1 controls, BOM).
 */
function yamlString(text: string): string {
  return JSON.stringify(text).replace(/[\u007f-\u009f\u2028\u2029\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
