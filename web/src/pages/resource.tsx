/**
 * @module One resource, as `describe` shows it: metadata, generation,
 * origin (source, file, line, commit), status and conditions, the whole
 * document as YAML (secret values redacted, as `get -o yaml` prints it),
 * and its recent events.
 */
import type { JSX } from "preact";
import { getJson, query, type Condition, type ResourceDetail } from "../api.js";
import { Age, Conditions, ErrorBox, EventsTable, Link, Loading, Section } from "../components.js";
import { formatTime } from "../format.js";
import { usePolled } from "../hooks.js";
import { statusSummary } from "./resources.js";

export function ResourcePage(props: { kind: string; name: string; project: string }): JSX.Element {
  const path = `/resources/${encodeURIComponent(props.kind)}/${encodeURIComponent(props.name)}${query({ project: props.project })}`;
  const detail = usePolled((signal) => getJson<ResourceDetail>(path, signal), path, 5000);
  const d = detail.data;
  if (!d) {
    return (
      <main>
        <h1>
          {props.kind.toLowerCase()}/{props.name}
        </h1>
        <ErrorBox error={detail.error} />
        {!detail.error && <Loading />}
      </main>
    );
  }
  const r = d.resource;
  const conditions = Array.isArray(r.status?.["conditions"]) ? (r.status["conditions"] as Condition[]) : undefined;
  const o = d.origin;
  return (
    <main>
      <header class="page-head">
        <h1>
          {r.kind.toLowerCase()}/{r.metadata.name} {statusSummary(r)}
        </h1>
      </header>
      <dl class="facts">
        <dt>Project</dt>
        <dd>{r.metadata.project ?? "(cluster-wide)"}</dd>
        {r.metadata.description && (
          <>
            <dt>Description</dt>
            <dd>{r.metadata.description}</dd>
          </>
        )}
        <dt>Generation</dt>
        <dd data-test="generation">{r.metadata.generation}</dd>
        <dt>Applied by</dt>
        <dd>{o.source ? <Link href={`/sources/${encodeURIComponent(o.source)}`}>source {o.source}</Link> : o.appliedBy}</dd>
        {o.file && (
          <>
            <dt>File</dt>
            <dd class="mono">
              {o.file}
              {o.line ? `:${o.line}` : ""}
            </dd>
          </>
        )}
        {o.commit && (
          <>
            <dt>Commit</dt>
            <dd class="mono" title={o.commit}>
              {o.commit.slice(0, 12)}
            </dd>
          </>
        )}
        <dt>Created</dt>
        <dd>
          {formatTime(r.metadata.createdAt)} (<Age iso={r.metadata.createdAt} /> ago)
        </dd>
        <dt>Updated</dt>
        <dd>{formatTime(r.metadata.updatedAt)}</dd>
      </dl>
      {conditions && (
        <Section title="Conditions">
          <Conditions conditions={conditions} />
        </Section>
      )}
      <Section title="Manifest">
        <pre class="yaml" data-test="yaml">
          {d.yaml}
        </pre>
      </Section>
      <Section title="Events">
        <EventsTable events={d.events} />
      </Section>
    </main>
  );
}
