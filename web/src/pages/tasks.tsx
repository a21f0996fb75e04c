/**
 * @module Tasks and Runs, newest first, one page at a time from the server:
 * phase, workflow, project, age and progress, refreshed every two seconds.
 */
import type { JSX } from "preact";
import { getJson, query, type Phase, type TaskPage } from "../api.js";
import { Age, Badge, ErrorBox, Link, Loading, Pager, ProgressBar } from "../components.js";
import { usePolled } from "../hooks.js";
import { navigate, useLocation } from "../router.js";

const PHASES: Phase[] = ["Pending", "Running", "Paused", "Completed", "Failed", "Cancelled"];
const PAGE = 50;

export function TasksPage(props: { project: string }): JSX.Element {
  const loc = useLocation();
  const status = loc.query.get("status") ?? "";
  const offset = Math.max(0, Number(loc.query.get("offset") ?? 0) || 0);
  const path = `/tasks${query({ project: props.project, status, offset, limit: PAGE })}`;
  const page = usePolled((signal) => getJson<TaskPage>(path, signal), path, 2000);

  const go = (changes: Record<string, string | number | undefined>): void => {
    navigate(`/tasks${query({ project: props.project, status, offset: offset || undefined, ...changes })}`);
  };

  return (
    <main>
      <header class="page-head">
        <h1>Tasks</h1>
        <label class="picker">
          <span>Phase</span>
          <select value={status} aria-label="phase" onChange={(e) => go({ status: (e.target as HTMLSelectElement).value || undefined, offset: undefined })}>
            <option value="">any</option>
            {PHASES.map((p) => (
              <option key={p} value={p.toLowerCase()}>
                {p}
              </option>
            ))}
          </select>
        </label>
      </header>
      <ErrorBox error={page.error} />
      {!page.data && !page.error && <Loading />}
      {page.data && (
        <>
          <table class="tasks" data-test="task-list">
            <thead>
              <tr>
                <th>Name</th>
                <th>ID</th>
                <th>Project</th>
                <th>Workflow</th>
                <th>Phase</th>
                <th>Progress</th>
                <th>Cycle</th>
                <th>Age</th>
              </tr>
            </thead>
            <tbody>
              {page.data.items.map((t) => (
                <tr key={t.id} data-task={t.id}>
                  <td>
                    <Link href={`/tasks/${t.id}`}>{t.name}</Link>
                    {t.origin === "run" && <span class="tag">run</span>}
                  </td>
                  <td class="mono">{t.id}</td>
                  <td>{t.project}</td>
                  <td>{t.workflow ?? (t.spec.template ? `template:${t.spec.template}` : "")}</td>
                  <td>
                    <Badge status={t.phase} label={t.phase === "Pending" && t.queued ? "Pending (queued)" : t.phase} />
                  </td>
                  <td>
                    <ProgressBar progress={page.data!.progress[t.id]} />
                  </td>
                  <td class="num">{t.cycle}</td>
                  <td>
                    <Age iso={t.createdAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {page.data.items.length === 0 && <p class="muted">No tasks{status ? ` in phase ${status}` : ""}{props.project ? ` in project ${props.project}` : ""}.</p>}
          <Pager offset={page.data.offset} limit={page.data.limit} total={page.data.total} onPage={(o) => go({ offset: o || undefined })} />
        </>
      )}
    </main>
  );
}
