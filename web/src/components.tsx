/**
 * @module Pieces every page uses: links, status badges, progress bars,
 * condition and event tables, paging, and action buttons that show what
 * the server answered.
 */
import type { ComponentChildren, JSX } from "preact";
import { useState } from "preact/hooks";
import { ApiFailure, type Condition, type Progress, type StoredEvent } from "./api.js";
import { formatAge, formatTime } from "./format.js";
import { isPlainClick, navigate } from "./router.js";

export function Link(props: { href: string; children: ComponentChildren; class?: string; title?: string }): JSX.Element {
  const onClick = (e: MouseEvent): void => {
    if (!isPlainClick(e)) return;
    e.preventDefault();
    navigate(props.href);
  };
  return (
    <a href={props.href} onClick={onClick} class={props.class} title={props.title}>
      {props.children}
    </a>
  );
}

/** The colour class of a phase, run status, item status or condition. */
export function tone(status: string): string {
  switch (status.toLowerCase()) {
    case "completed":
    case "succeeded":
    case "resolved":
    case "healthy":
    case "ready":
    case "true":
    case "qa_passed":
    case "fixed":
    case "verified":
      return "ok";
    case "failed":
    case "timed_out":
    case "unresolved":
    case "blocked":
    case "diseased":
    case "stalled":
    case "qa_failed":
      return "bad";
    case "running":
    case "paused":
    case "interrupted":
    case "failing":
    case "reconciling":
    case "cordoned":
    case "new":
      return "warn";
    case "pending":
    case "idle":
    case "unknown":
      return "idle";
    default:
      return "muted";
  }
}

export function Badge(props: { status: string; label?: string; test?: string }): JSX.Element {
  return (
    <span class={`badge ${tone(props.status)}`} data-test={props.test}>
      {props.label ?? props.status}
    </span>
  );
}

const DONE_ITEM = new Set(["resolved", "qa_passed", "fixed", "verified", "skipped", "eliminated", "unresolved", "failed", "blocked"]);
const sum = (m: Record<string, number>): number => Object.values(m).reduce((a, b) => a + b, 0);

/** Items settled over items, or runs finished over runs when the task has no items of its own. */
export function ProgressBar(props: { progress: Progress | undefined }): JSX.Element {
  const p = props.progress;
  if (!p) return <span class="muted">—</span>;
  const items = sum(p.items);
  const runs = sum(p.runs);
  let done: number;
  let total: number;
  let unit: string;
  if (items > 1) {
    total = items;
    done = Object.entries(p.items).reduce((n, [s, c]) => n + (DONE_ITEM.has(s) ? c : 0), 0);
    unit = "items";
  } else {
    total = runs;
    done = total - (p.runs["running"] ?? 0);
    unit = "runs";
  }
  const failed = (p.runs["failed"] ?? 0) + (p.runs["timed_out"] ?? 0);
  const pct = total === 0 ? 0 : Math.round((done / total) * 100);
  const title = `${Object.entries(unit === "items" ? p.items : p.runs)
    .map(([s, c]) => `${c} ${s}`)
    .join(", ")}`;
  return (
    <span class="progress" title={title}>
      <span class="bar">
        <span class={`fill ${failed ? "bad" : ""}`} style={{ width: `${pct}%` }} />
      </span>
      <span class="count">
        {done}/{total} {unit}
      </span>
    </span>
  );
}

export function Age(props: { iso: string | null | undefined }): JSX.Element {
  if (!props.iso) return <span />;
  return <time title={formatTime(props.iso)}>{formatAge(props.iso)}</time>;
}

export function ErrorBox(props: { error: string | undefined }): JSX.Element | null {
  if (!props.error) return null;
  return (
    <p class="error" role="alert">
      {props.error}
    </p>
  );
}

export function Loading(): JSX.Element {
  return <p class="muted">Loading…</p>;
}

export function Conditions(props: { conditions: Condition[] | undefined }): JSX.Element {
  const list = props.conditions ?? [];
  if (list.length === 0) return <p class="muted">No conditions reported yet.</p>;
  return (
    <table>
      <thead>
        <tr>
          <th>Type</th>
          <th>Status</th>
          <th>Reason</th>
          <th>Since</th>
          <th>Message</th>
        </tr>
      </thead>
      <tbody>
        {list.map((c) => (
          <tr key={c.type}>
            <td>{c.type}</td>
            <td>
              <Badge status={c.type === "Stalled" && c.status === "True" ? "stalled" : c.type === "Ready" ? (c.status === "True" ? "ready" : "failed") : "muted"} label={c.status} />
            </td>
            <td>{c.reason}</td>
            <td>
              <Age iso={c.lastTransitionTime} />
            </td>
            <td class="wrap">{c.message}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function EventsTable(props: { events: StoredEvent[] | undefined; showTask?: boolean }): JSX.Element {
  const list = props.events ?? [];
  if (list.length === 0) return <p class="muted">No events.</p>;
  return (
    <table class="events">
      <thead>
        <tr>
          <th>Time</th>
          <th>Type</th>
          {props.showTask && <th>Task</th>}
          <th>By</th>
          <th>Message</th>
        </tr>
      </thead>
      <tbody>
        {list.map((e) => (
          <tr key={e.id}>
            <td class="nowrap" title={e.ts}>
              {formatTime(e.ts)}
            </td>
            <td class="nowrap">{e.type}</td>
            {props.showTask && <td class="nowrap">{e.taskId ? <Link href={`/tasks/${e.taskId}`}>{e.taskId}</Link> : ""}</td>}
            <td>{e.actor ?? ""}</td>
            <td class="wrap">{e.message}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Pager(props: { offset: number; limit: number; total: number; onPage: (offset: number) => void }): JSX.Element {
  const { offset, limit, total } = props;
  const last = Math.min(offset + limit, total);
  return (
    <nav class="pager" aria-label="pages">
      <button type="button" disabled={offset === 0} onClick={() => props.onPage(Math.max(0, offset - limit))}>
        ‹ Newer
      </button>
      <span data-test="page-range">{total === 0 ? "none" : `${offset + 1}–${last} of ${total}`}</span>
      <button type="button" disabled={last >= total} onClick={() => props.onPage(offset + limit)}>
        Older ›
      </button>
    </nav>
  );
}

export interface ActionNote {
  ok: boolean;
  text: string;
}

/** What an action answered, kept where the page shows it (the button may go away once it worked). */
export function Note(props: { note: ActionNote | undefined }): JSX.Element | null {
  if (!props.note) return null;
  return (
    <span class={`note ${props.note.ok ? "ok" : "bad"}`} role="status" data-test="action-note">
      {props.note.text}
    </span>
  );
}

/**
 * A button that calls the API and reports its answer (the line the CLI
 * would print) or its refusal, beside itself or through `onNote`; it is
 * disabled while the call runs.
 */
export function ActionButton(props: {
  label: string;
  run: () => Promise<{ message?: string }>;
  onDone?: () => void;
  onNote?: (note: ActionNote) => void;
  kind?: "primary" | "danger";
  confirm?: string;
}): JSX.Element {
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<ActionNote | undefined>(undefined);
  const report = (n: ActionNote): void => (props.onNote ? props.onNote(n) : setNote(n));
  const click = async (): Promise<void> => {
    if (props.confirm && !window.confirm(props.confirm)) return;
    setBusy(true);
    setNote(undefined);
    try {
      const r = await props.run();
      report({ ok: true, text: r.message ?? "done" });
    } catch (err) {
      report({ ok: false, text: err instanceof ApiFailure ? err.message : String(err) });
    } finally {
      setBusy(false);
      props.onDone?.();
    }
  };
  return (
    <span class="action">
      <button type="button" class={props.kind ?? ""} disabled={busy} onClick={() => void click()}>
        {busy ? `${props.label}…` : props.label}
      </button>
      <Note note={note} />
    </span>
  );
}

export function Section(props: { title: string; children: ComponentChildren; id?: string; actions?: ComponentChildren }): JSX.Element {
  return (
    <section id={props.id}>
      <header class="section-head">
        <h2>{props.title}</h2>
        {props.actions}
      </header>
      {props.children}
    </section>
  );
}
