/**
 * @module The sources desired state comes from, as `source list` shows
 * them: Ready and Stalled, the last applied revision, and the inventory.
 */
import type { JSX } from "preact";
import { getJson, type Source } from "../api.js";
import { Age, Badge, ErrorBox, Link, Loading } from "../components.js";
import { usePolled } from "../hooks.js";

export function condition(s: Source, type: string): { status: string; reason: string } | undefined {
  return s.status.conditions.find((c) => c.type === type);
}

export function whereFrom(s: Source): string {
  return s.type === "git" ? `${s.url ?? ""}${s.ref ? ` @ ${s.ref}` : ""}${s.path ? ` : ${s.path}` : ""}` : (s.dir ?? "");
}

export function ReadyBadge(props: { source: Source }): JSX.Element {
  const ready = condition(props.source, "Ready");
  const stalled = condition(props.source, "Stalled");
  if (stalled?.status === "True") return <Badge status="stalled" label={`Stalled: ${stalled.reason}`} />;
  if (!ready) return <Badge status="unknown" label="Unknown" />;
  return <Badge status={ready.status === "True" ? "ready" : "failed"} label={ready.status === "True" ? "Ready" : `Not ready: ${ready.reason}`} />;
}

export function SourcesPage(): JSX.Element {
  const list = usePolled((signal) => getJson<{ sources: Source[] }>("/sources", signal), "sources", 5000);
  return (
    <main>
      <header class="page-head">
        <h1>Sources</h1>
      </header>
      <ErrorBox error={list.error} />
      {!list.data && !list.error && <Loading />}
      {list.data && list.data.sources.length === 0 && <p class="muted">No sources; add one with <code>orchestrator source add</code>.</p>}
      {list.data && list.data.sources.length > 0 && (
        <table data-test="source-list">
          <thead>
            <tr>
              <th>Name</th>
              <th>Type</th>
              <th>Location</th>
              <th>Project</th>
              <th>Status</th>
              <th>Revision</th>
              <th>Last applied</th>
              <th>Inventory</th>
            </tr>
          </thead>
          <tbody>
            {list.data.sources.map((s) => (
              <tr key={s.name}>
                <td>
                  <Link href={`/sources/${encodeURIComponent(s.name)}`}>{s.name}</Link>
                </td>
                <td>{s.type}</td>
                <td class="mono wrap">{whereFrom(s)}</td>
                <td>{s.project}</td>
                <td>
                  <ReadyBadge source={s} />
                </td>
                <td class="mono">{s.status.lastAppliedRevision?.slice(0, 12) ?? ""}</td>
                <td>{s.status.lastAppliedAt ? <Age iso={s.status.lastAppliedAt} /> : <span class="muted">never</span>}</td>
                <td class="num">{s.inventory}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
