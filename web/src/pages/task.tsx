/**
 * @module One task: its state and the actions a person needs while
 * watching (pause, resume, retry an item), its steps per cycle and item as
 * a timeline of runs (status, agent, duration, exit code), its items, its
 * events, and its logs as the agents write them.
 */
import type { JSX } from "preact";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { getJson, postJson, query, type Item, type List, type Run, type StoredEvent, type TaskInfo } from "../api.js";
import { ActionButton, Age, Badge, ErrorBox, EventsTable, Link, Loading, Note, Section, type ActionNote } from "../components.js";
import { formatDuration, formatTime } from "../format.js";
import { usePolled } from "../hooks.js";
import { LogView } from "../log-view.js";

const FINAL = new Set(["Completed", "Failed", "Cancelled"]);

interface CycleGroup {
  cycle: number;
  start: number;
  end: number;
  items: Array<{ label: string; runs: Run[] }>;
}

const timeOf = (iso: string | null): number | undefined => {
  if (!iso) return undefined;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : undefined;
};

/** Runs by cycle, then by item (the task's own steps first), in the order they started. */
function groupRuns(runs: readonly Run[], now: number): CycleGroup[] {
  const cycles = new Map<number, CycleGroup>();
  for (const r of runs) {
    let g = cycles.get(r.cycle);
    if (!g) cycles.set(r.cycle, (g = { cycle: r.cycle, start: Infinity, end: -Infinity, items: [] }));
    const start = timeOf(r.startedAt) ?? now;
    const end = timeOf(r.finishedAt) ?? now;
    g.start = Math.min(g.start, start);
    g.end = Math.max(g.end, end);
    const label = r.item ?? "";
    let item = g.items.find((i) => i.label === label);
    if (!item) g.items.push((item = { label, runs: [] }));
    item.runs.push(r);
  }
  for (const g of cycles.values()) g.items.sort((a, b) => (a.label === "" ? -1 : b.label === "" ? 1 : 0));
  return [...cycles.values()].sort((a, b) => a.cycle - b.cycle);
}

function RunBar(props: { run: Run; group: CycleGroup; now: number }): JSX.Element {
  const span = Math.max(1, props.group.end - props.group.start);
  const start = timeOf(props.run.startedAt) ?? props.now;
  const end = timeOf(props.run.finishedAt) ?? props.now;
  const left = ((start - props.group.start) / span) * 100;
  const width = Math.max(0.8, ((end - start) / span) * 100);
  return (
    <span class="track">
      <span class={`seg ${props.run.status}`} style={{ left: `${left}%`, width: `${Math.min(width, 100 - left)}%` }} />
    </span>
  );
}

function Timeline(props: { runs: Run[] }): JSX.Element {
  const now = Date.now();
  const groups = groupRuns(props.runs, now);
  if (groups.length === 0) return <p class="muted">No steps have run yet.</p>;
  return (
    <div class="timeline" data-test="timeline">
      {groups.map((g) => (
        <div class="cycle" key={g.cycle}>
          <h3>
            Cycle {g.cycle} <span class="muted">· {formatDuration(Math.max(0, g.end - g.start))}</span>
          </h3>
          {g.items.map((item) => (
            <div class="item-runs" key={item.label}>
              <h4>{item.label === "" ? "task" : item.label}</h4>
              <table class="runs">
                <thead>
                  <tr>
                    <th>Step</th>
                    <th>Status</th>
                    <th>Agent</th>
                    <th>Duration</th>
                    <th>Exit</th>
                    <th>Started</th>
                    <th class="wide">Timeline</th>
                  </tr>
                </thead>
                <tbody>
                  {item.runs.map((r) => (
                    <tr key={r.id} data-run={r.id} title={r.reason ?? ""}>
                      <td>{r.parentStep ? `${r.parentStep}/${r.step}` : r.step}</td>
                      <td>
                        <Badge status={r.status} />
                      </td>
                      <td>{r.agent ?? (r.command?.startsWith("builtin:") ? r.command : "")}</td>
                      <td class="num">{r.durationMs !== null ? formatDuration(r.durationMs) : r.status === "running" ? formatDuration(Math.max(0, now - (timeOf(r.startedAt) ?? now))) : ""}</td>
                      <td class="num">{r.exitCode ?? ""}</td>
                      <td class="nowrap">{formatTime(r.startedAt)}</td>
                      <td class="wide">
                        <RunBar run={r} group={g} now={now} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ))}
        </div>
      ))}
    </div>
  );
}

function Items(props: { items: Item[]; running: boolean; onDone: () => void; onNote: (n: ActionNote) => void }): JSX.Element {
  if (props.items.length === 0) return <p class="muted">No items yet.</p>;
  return (
    <table>
      <thead>
        <tr>
          <th>Item</th>
          <th>ID</th>
          <th>Status</th>
          <th>Failures</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {props.items.map((i) => (
          <tr key={i.id}>
            <td>{i.path || "(task)"}</td>
            <td class="mono">{i.id}</td>
            <td>
              <Badge status={i.status} />
            </td>
            <td class="num">{i.failures}</td>
            <td>{!props.running && <ActionButton label="Retry" run={() => postJson(`/items/${encodeURIComponent(i.id)}/retry`)} onDone={props.onDone} onNote={props.onNote} />}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Field(props: { label: string; children: JSX.Element | string | number | null | undefined }): JSX.Element | null {
  if (props.children === null || props.children === undefined || props.children === "") return null;
  return (
    <>
      <dt>{props.label}</dt>
      <dd>{props.children}</dd>
    </>
  );
}

export function TaskPage(props: { id: string }): JSX.Element {
  const info = usePolled((signal) => getJson<TaskInfo>(`/tasks/${encodeURIComponent(props.id)}`, signal), `task:${props.id}`, 3000);
  const events = usePolled((signal) => getJson<List<StoredEvent>>(`/tasks/${encodeURIComponent(props.id)}/events${query({ limit: 100 })}`, signal), `events:${props.id}`, 3000);
  // The log stream starts over when a finished task is queued again (resume, retry).
  const [generation, setGeneration] = useState(0);
  const [note, setNote] = useState<ActionNote | undefined>(undefined);
  const lastPhase = useRef<string | undefined>(undefined);
  const pending = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const reloadSoon = useCallback(() => {
    if (pending.current) return;
    pending.current = setTimeout(() => {
      pending.current = undefined;
      info.reload();
      events.reload();
    }, 100);
  }, [info.reload, events.reload]);

  const phase = info.data?.task.phase;
  useEffect(() => {
    if (lastPhase.current && FINAL.has(lastPhase.current) && phase && !FINAL.has(phase)) setGeneration((g) => g + 1);
    lastPhase.current = phase;
  }, [phase]);

  const data = info.data;

  if (!data) {
    return (
      <main>
        <h1>Task {props.id}</h1>
        <ErrorBox error={info.error} />
        {!info.error && <Loading />}
      </main>
    );
  }
  const t = data.task;
  const canPause = t.phase === "Pending" || t.phase === "Running";
  const canResume = t.phase === "Paused" || t.phase === "Failed";
  const resource = t.resource ? `${t.resource.kind.toLowerCase()}/${t.resource.name}` : "";

  return (
    <main class="task-page">
      <header class="page-head">
        <h1>
          {t.name} <Badge status={t.phase} label={t.phase === "Pending" && t.queued ? "Pending (queued)" : t.phase} test="phase" />
        </h1>
        <div class="actions">
          <Note note={note} />
          {canPause && <ActionButton label="Pause" run={() => postJson(`/tasks/${t.id}/pause`)} onDone={reloadSoon} onNote={setNote} />}
          {canResume && <ActionButton label="Resume" kind="primary" run={() => postJson(`/tasks/${t.id}/resume`)} onDone={reloadSoon} onNote={setNote} />}
        </div>
      </header>
      <ErrorBox error={info.error} />
      <dl class="facts">
        <Field label="ID">{t.id}</Field>
        <Field label="Project">{t.project}</Field>
        <Field label="Workflow">{t.workflow ?? (t.spec.template ? `template:${t.spec.template}` : "")}</Field>
        <Field label="Workspace">{t.workspace}</Field>
        <Field label="Resource">{resource ? <Link href={`/resources/${t.resource!.kind}/${t.resource!.name}${query({ project: t.project })}`}>{resource}</Link> : null}</Field>
        <Field label="Origin">{t.origin}</Field>
        <Field label="Goal">{t.goal}</Field>
        <Field label="Cycle">{t.cycle}</Field>
        <Field label="Message">{t.message}</Field>
        <Field label="Reason">{t.reason}</Field>
        <Field label="Exit code">{t.exitCode}</Field>
        <Field label="Created">
          <span>
            {formatTime(t.createdAt)} (<Age iso={t.createdAt} /> ago)
          </span>
        </Field>
        <Field label="Started">{formatTime(t.startedAt)}</Field>
        <Field label="Finished">{formatTime(t.finishedAt)}</Field>
      </dl>
      <Section title="Steps">
        <Timeline runs={data.runs} />
      </Section>
      <Section title="Logs" id="logs">
        <LogView taskId={t.id} generation={generation} onChange={reloadSoon} />
      </Section>
      <Section title={`Items (${data.items.length})`}>
        <Items items={data.items} running={t.phase === "Running"} onDone={reloadSoon} onNote={setNote} />
      </Section>
      <Section title="Events">
        <EventsTable events={events.data?.items} />
      </Section>
    </main>
  );
}
