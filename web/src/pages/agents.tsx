/**
 * @module Agents with their health and load as selection sees them: runs in
 * flight, success rate, failure streak, and whether they are diseased,
 * cordoned or disabled.
 */
import type { JSX } from "preact";
import { getJson, query, type AgentHealth, type List, type Resource } from "../api.js";
import { Badge, ErrorBox, Link, Loading } from "../components.js";
import { formatDuration, formatTime, relative } from "../format.js";
import { usePolled } from "../hooks.js";

type AgentRow = Resource & { health: AgentHealth };

export function AgentsPage(props: { project: string }): JSX.Element {
  const path = `/agents${query({ project: props.project, allProjects: props.project ? undefined : "true" })}`;
  const list = usePolled((signal) => getJson<List<AgentRow>>(path, signal), path, 3000);
  return (
    <main>
      <header class="page-head">
        <h1>Agents</h1>
      </header>
      <ErrorBox error={list.error} />
      {!list.data && !list.error && <Loading />}
      {list.data && list.data.items.length === 0 && <p class="muted">No agents{props.project ? ` in project ${props.project}` : ""}.</p>}
      {list.data && list.data.items.length > 0 && (
        <table data-test="agent-list">
          <thead>
            <tr>
              <th>Name</th>
              <th>Project</th>
              <th>Capabilities</th>
              <th>Health</th>
              <th>Load</th>
              <th>Success</th>
              <th>Runs</th>
              <th>Avg duration</th>
              <th>Last run</th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((a) => {
              const h = a.health;
              const caps = Array.isArray(a.spec["capabilities"]) ? (a.spec["capabilities"] as string[]) : [];
              return (
                <tr key={`${a.metadata.project}/${a.metadata.name}`}>
                  <td>
                    <Link href={`/resources/Agent/${encodeURIComponent(a.metadata.name)}${query({ project: a.metadata.project })}`}>{a.metadata.name}</Link>
                  </td>
                  <td>{a.metadata.project}</td>
                  <td>{caps.join(", ")}</td>
                  <td title={h.diseasedUntil ? `kept off new work until ${formatTime(h.diseasedUntil)}` : h.consecutiveFailures ? `${h.consecutiveFailures} failed run(s) since the last success` : ""}>
                    <Badge status={h.state} />
                  </td>
                  <td class="num">{h.load}</td>
                  <td class="num">{h.successRate === null ? "" : `${Math.round(h.successRate * 100)}%`}</td>
                  <td class="num">
                    {h.successfulRuns}/{h.totalRuns}
                  </td>
                  <td class="num">{formatDuration(h.avgDurationMs)}</td>
                  <td>{h.lastRunAt ? <time title={formatTime(h.lastRunAt)}>{relative(h.lastRunAt)}</time> : <span class="muted">never</span>}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </main>
  );
}
