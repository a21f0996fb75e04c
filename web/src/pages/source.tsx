/**
 * @module One source, as `source status NAME` shows it, with the resources
 * in its inventory and a button that asks the controller for a pass now
 * (as `orchestrator reconcile NAME` does).
 */
import type { JSX } from "preact";
import { getJson, postJson, query, type Source } from "../api.js";
import { ActionButton, Conditions, ErrorBox, Link, Loading, Section } from "../components.js";
import { formatTime } from "../format.js";
import { usePolled } from "../hooks.js";
import { ReadyBadge, sourceInterval, sourceProject, sourcePrunes, typeOf, whereFrom } from "./sources.js";

/** What `reconcile -o json` prints: `kind: ReconcileResult` with a result per source. */
interface ReconcileResult {
  kind: "ReconcileResult";
  results: PassResult[];
}

interface PassResult {
  source: string;
  ready: boolean;
  message: string;
  counts: Record<string, number>;
}

export function SourcePage(props: { name: string }): JSX.Element {
  const path = `/sources/${encodeURIComponent(props.name)}`;
  const detail = usePolled((signal) => getJson<Source>(path, signal), path, 3000);
  const s = detail.data;
  if (!s) {
    return (
      <main>
        <h1>Source {props.name}</h1>
        <ErrorBox error={detail.error} />
        {!detail.error && <Loading />}
      </main>
    );
  }
  const reconcile = async (): Promise<{ message: string }> => {
    const r = await postJson<ReconcileResult>(`${path}/reconcile`);
    return { message: r.results.map((p) => `source ${p.source}: ${p.message}`).join("; ") || "nothing to reconcile" };
  };
  return (
    <main>
      <header class="page-head">
        <h1>
          Source {s.metadata.name} <ReadyBadge source={s} />
        </h1>
        <div class="actions">
          <ActionButton label="Reconcile now" kind="primary" run={reconcile} onDone={detail.reload} />
        </div>
      </header>
      <dl class="facts">
        <dt>Type</dt>
        <dd>{typeOf(s)}</dd>
        <dt>Location</dt>
        <dd class="mono">{whereFrom(s)}</dd>
        <dt>Project</dt>
        <dd>{sourceProject(s)}</dd>
        <dt>Interval</dt>
        <dd>{sourceInterval(s)}</dd>
        <dt>Prune</dt>
        <dd>{String(sourcePrunes(s))}</dd>
        <dt>Suspended</dt>
        <dd>{String(s.spec.suspend === true)}</dd>
        <dt>Last applied</dt>
        <dd class="mono">{s.status.lastAppliedRevision ? `${s.status.lastAppliedRevision.slice(0, 12)} (${formatTime(s.status.lastAppliedAt)})` : "never"}</dd>
        <dt>Last attempted</dt>
        <dd class="mono">{s.status.lastAttemptedRevision ? `${s.status.lastAttemptedRevision.slice(0, 12)} (${formatTime(s.status.lastAttemptedAt)})` : "never"}</dd>
        <dt>Failures</dt>
        <dd>{s.status.failures ?? 0}</dd>
      </dl>
      <Section title="Conditions">
        <Conditions conditions={s.status.conditions ?? []} />
      </Section>
      {(s.status.errors ?? []).length > 0 && (
        <Section title="Errors">
          <pre class="errors">{s.status.errors!.join("\n")}</pre>
        </Section>
      )}
      <Section title={`Inventory (${s.status.inventory})`}>
        {(s.resources ?? []).length === 0 ? (
          <p class="muted">Nothing applied yet.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Kind</th>
                <th>Name</th>
                <th>Project</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {s.resources!.map((r) => (
                <tr key={`${r.project}/${r.kind}/${r.name}`}>
                  <td>{r.kind}</td>
                  <td>
                    <Link href={`/resources/${r.kind}/${encodeURIComponent(r.name)}${query({ project: r.project || undefined })}`}>{r.name}</Link>
                  </td>
                  <td>{r.project}</td>
                  <td class="muted">{r.adopted ? "adopted" : ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
    </main>
  );
}
