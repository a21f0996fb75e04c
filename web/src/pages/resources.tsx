/**
 * @module Stored resources by kind and project, as `get KIND` lists them,
 * with each one's status (its phase or its conditions) and where it came from.
 */
import type { JSX } from "preact";
import { getJson, query, type Condition, type KindInfo, type Resource, type ResourceList } from "../api.js";
import { Age, Badge, ErrorBox, Link, Loading } from "../components.js";
import { usePolled } from "../hooks.js";
import { useLocation } from "../router.js";

/** What a resource's status says in one badge: its phase, else its Ready condition, else nothing. */
export function statusSummary(r: Resource): JSX.Element | null {
  const s = r.status ?? {};
  if (typeof s["phase"] === "string") return <Badge status={s["phase"]} />;
  const conditions = Array.isArray(s["conditions"]) ? (s["conditions"] as Condition[]) : [];
  const stalled = conditions.find((c) => c.type === "Stalled" && c.status === "True");
  if (stalled) return <Badge status="stalled" label={`Stalled: ${stalled.reason}`} />;
  const ready = conditions.find((c) => c.type === "Ready");
  if (ready) return <Badge status={ready.status === "True" ? "ready" : "failed"} label={ready.status === "True" ? "Ready" : `Not ready: ${ready.reason}`} />;
  return null;
}

export function ResourcesPage(props: { project: string }): JSX.Element {
  const loc = useLocation();
  const kinds = usePolled((signal) => getJson<{ items: KindInfo[] }>("/kinds", signal), "kinds", 10_000);
  const chosen = loc.query.get("kind") ?? kinds.data?.items.find((k) => k.count > 0 && k.kind !== "Task" && k.kind !== "Run")?.kind ?? "Workflow";
  const path = `/resources/${encodeURIComponent(chosen)}${query({ project: props.project, allProjects: props.project ? undefined : "true" })}`;
  const list = usePolled((signal) => getJson<ResourceList>(path, signal), path, 5000);
  const info = kinds.data?.items.find((k) => k.kind === chosen);

  return (
    <main class="with-side">
      <nav class="side" aria-label="kinds">
        <h2>Kinds</h2>
        <ErrorBox error={kinds.error} />
        <ul>
          {(kinds.data?.items ?? []).map((k) => (
            <li key={k.kind} class={k.kind === chosen ? "current" : ""}>
              <Link href={`/resources${query({ kind: k.kind, project: props.project })}`}>
                {k.kind} <span class="count">{k.count}</span>
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <div class="content">
        <header class="page-head">
          <h1>{info?.plural ?? chosen}</h1>
        </header>
        <ErrorBox error={list.error} />
        {!list.data && !list.error && <Loading />}
        {list.data && list.data.items.length === 0 && <p class="muted">None{props.project && info?.projectScoped ? ` in project ${props.project}` : ""}.</p>}
        {list.data && list.data.items.length > 0 && (
          <table data-test="resource-list">
            <thead>
              <tr>
                <th>Name</th>
                {info?.projectScoped !== false && <th>Project</th>}
                <th>Status</th>
                <th>Generation</th>
                <th>Applied by</th>
                <th>Age</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((r) => (
                <tr key={`${r.metadata.project ?? ""}/${r.metadata.name}`}>
                  <td>
                    <Link href={`/resources/${r.kind}/${encodeURIComponent(r.metadata.name)}${query({ project: r.metadata.project })}`}>{r.metadata.name}</Link>
                    {r.metadata.description && <div class="muted small">{r.metadata.description}</div>}
                  </td>
                  {info?.projectScoped !== false && <td>{r.metadata.project}</td>}
                  <td>{statusSummary(r)}</td>
                  <td class="num">{r.metadata.generation}</td>
                  <td>{r.metadata.appliedBy}</td>
                  <td>
                    <Age iso={r.metadata.createdAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </main>
  );
}
