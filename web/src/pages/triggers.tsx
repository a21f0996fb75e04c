/**
 * @module Triggers, as `get triggers` lists them: schedule or event, the
 * workflow they start, whether they are suspended, the tasks still active,
 * and when they last fired and fire next (from the status the controller's
 * scheduler writes), with Suspend, Resume and Fire now as the `trigger`
 * commands do them.
 */
import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { getJson, postJson, query, type ResourceList } from "../api.js";
import { ActionButton, Badge, ErrorBox, Link, Loading, Note, type ActionNote } from "../components.js";
import { formatTime, relative } from "../format.js";
import { usePolled } from "../hooks.js";

const obj = (v: unknown): Record<string, unknown> => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const str = (v: unknown): string => (typeof v === "string" ? v : "");

function When(props: { iso: string }): JSX.Element {
  if (!props.iso) return <span class="muted">—</span>;
  return <time title={formatTime(props.iso)}>{relative(props.iso)}</time>;
}

export function TriggersPage(props: { project: string }): JSX.Element {
  const path = `/resources/Trigger${query({ project: props.project, allProjects: props.project ? undefined : "true" })}`;
  const list = usePolled((signal) => getJson<ResourceList>(path, signal), path, 5000);
  const [note, setNote] = useState<ActionNote | undefined>(undefined);
  const act = (name: string, project: string, action: "suspend" | "resume" | "fire"): Promise<{ message: string }> =>
    postJson(`/triggers/${encodeURIComponent(name)}/${action}${query({ project })}`, action === "fire" ? null : {});
  return (
    <main>
      <header class="page-head">
        <h1>Triggers</h1>
        <Note note={note} />
      </header>
      <ErrorBox error={list.error} />
      {!list.data && !list.error && <Loading />}
      {list.data && list.data.items.length === 0 && <p class="muted">No triggers{props.project ? ` in project ${props.project}` : ""}.</p>}
      {list.data && list.data.items.length > 0 && (
        <table data-test="trigger-list">
          <thead>
            <tr>
              <th>Name</th>
              <th>Project</th>
              <th>Fires on</th>
              <th>Workflow</th>
              <th>State</th>
              <th>Active</th>
              <th>Last fired</th>
              <th>Next</th>
              <th>Last skipped</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((r) => {
              const spec = r.spec;
              const status = r.status ?? {};
              const cron = obj(spec["cron"]);
              const event = obj(spec["event"]);
              const firesOn = cron["schedule"] ? `cron ${str(cron["schedule"])}${cron["timezone"] ? ` (${str(cron["timezone"])})` : ""}` : event["source"] ? `event ${str(event["source"])}` : "event";
              const active = Array.isArray(status["active"]) ? (status["active"] as string[]) : [];
              const skipped = obj(status["lastSkipped"]);
              const suspended = spec["suspend"] === true || status["suspended"] !== undefined;
              return (
                <tr key={`${r.metadata.project}/${r.metadata.name}`}>
                  <td>
                    <Link href={`/resources/Trigger/${encodeURIComponent(r.metadata.name)}${query({ project: r.metadata.project })}`}>{r.metadata.name}</Link>
                  </td>
                  <td>{r.metadata.project}</td>
                  <td class="mono">{firesOn}</td>
                  <td>{str(obj(spec["action"])["workflow"])}</td>
                  <td>{suspended ? <Badge status="paused" label="suspended" /> : <Badge status="ready" label="active" />}</td>
                  <td>
                    {active.length === 0 ? (
                      <span class="muted">0</span>
                    ) : (
                      active.map((id) => (
                        <Link key={id} href={`/tasks/${id}`}>
                          {id}{" "}
                        </Link>
                      ))
                    )}
                  </td>
                  <td>
                    {/* As `get triggers` shows it: the last firing however it came, a manual one too. */}
                    <When iso={str(status["lastFiringTime"] ?? status["lastScheduleTime"])} />
                    {status["lastTaskId"] ? (
                      <>
                        {" "}
                        → <Link href={`/tasks/${str(status["lastTaskId"])}`}>{str(status["lastTaskId"])}</Link>
                      </>
                    ) : null}
                  </td>
                  <td>{suspended ? <span class="muted">suspended</span> : <When iso={str(status["nextScheduleTime"])} />}</td>
                  <td class="wrap">{skipped["time"] ? `${relative(str(skipped["time"]))}: ${str(skipped["reason"])}` : ""}</td>
                  <td class="nowrap" data-test="trigger-actions">
                    {suspended ? (
                      <ActionButton label="Resume" run={() => act(r.metadata.name, r.metadata.project ?? "", "resume")} onDone={list.reload} onNote={setNote} />
                    ) : (
                      <ActionButton label="Suspend" run={() => act(r.metadata.name, r.metadata.project ?? "", "suspend")} onDone={list.reload} onNote={setNote} />
                    )}{" "}
                    <ActionButton label="Fire now" kind="primary" run={() => act(r.metadata.name, r.metadata.project ?? "", "fire")} onDone={list.reload} onNote={setNote} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </main>
  );
}
