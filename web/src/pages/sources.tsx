/**
 * @module The sources desired state comes from, as `source list` shows
 * them: Ready and Stalled, the last applied revision, and the inventory.
 * Each is a Source resource whose spec leaves defaults out; the helpers
 * here fill them in as the CLI's table does.
 */
import type { JSX } from "preact";
import { getJson, type List, type Source } from "../api.js";
import { Age, Badge, ErrorBox, Link, Loading } from "../components.js";
import { usePolled } from "../hooks.js";

export function condition(s: Source, type: string): { status: string; reason: string } | undefined {
  return (s.status.conditions ?? []).find((c) => c.type === type);
}

/** `git` for a source with a url, else `dir`. */
export function typeOf(s: Source): "git" | "dir" {
  return s.spec.url ? "git" : "dir";
}

export function whereFrom(s: Source): string {
  const { url, ref, path, dir } = s.spec;
  return typeOf(s) === "git" ? `${url ?? ""}${ref ? ` @ ${ref}` : ""}${path ? ` : ${path}` : ""}` : (dir ?? "");
}

/** The settings a Source leaves out, as the store reads them. */
export const sourceProject = (s: Source): string => s.spec.project ?? "default";
export const sourceInterval = (s: Source): string => s.spec.interval ?? "1m";
export const sourcePrunes = (s: Source): boolean => s.spec.prune !== false;

export function ReadyBadge(props: { source: Source }): JSX.Element {
  const ready = condition(props.source, "Ready");
  const stalled = condition(props.source, "Stalled");
  if (props.source.spec.suspend) return <Badge status="unknown" label="Suspended" />;
  if (stalled?.status === "True") return <Badge status="stalled" label={`Stalled: ${stalled.reason}`} />;
  if (!ready) return <Badge status="unknown" label="Unknown" />;
  return <Badge status={ready.status === "True" ? "ready" : "failed"} label={ready.status === "True" ? "Ready" : `Not ready: ${ready.reason}`} />;
}

export function SourcesPage(): JSX.Element {
  const list = usePolled((signal) => getJson<List<Source>>("/sources", signal), "sources", 5000);
  return (
    <main>
      <header class="page-head">
        <h1>Sources</h1>
      </header>
      <ErrorBox error={list.error} />
      {!list.data && !list.error && <Loading />}
      {list.data && list.data.items.length === 0 && <p class="muted">No sources; add one with <code>orchestrator source add</code>.</p>}
      {list.data && list.data.items.length > 0 && (
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
            {list.data.items.map((s) => (
              <tr key={s.metadata.name}>
                <td>
                  <Link href={`/sources/${encodeURIComponent(s.metadata.name)}`}>{s.metadata.name}</Link>
                </td>
                <td>{typeOf(s)}</td>
                <td class="mono wrap">{whereFrom(s)}</td>
                <td>{sourceProject(s)}</td>
                <td>
                  <ReadyBadge source={s} />
                </td>
                <td class="mono">{s.status.lastAppliedRevision?.slice(0, 12) ?? ""}</td>
                <td>{s.status.lastAppliedAt ? <Age iso={s.status.lastAppliedAt} /> : <span class="muted">never</span>}</td>
                <td class="num">{s.status.inventory}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
