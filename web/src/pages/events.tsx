/**
 * @module The store's event history, newest last, as `event list` shows
 * it: task and step lifecycle, resource changes, reconcile passes, firings.
 */
import type { JSX } from "preact";
import { getJson, query, type List, type StoredEvent } from "../api.js";
import { ErrorBox, EventsTable, Loading } from "../components.js";
import { usePolled } from "../hooks.js";
import { navigate, useLocation } from "../router.js";

export function EventsPage(): JSX.Element {
  const loc = useLocation();
  const type = loc.query.get("type") ?? "";
  const path = `/events${query({ type, limit: 200 })}`;
  const list = usePolled((signal) => getJson<List<StoredEvent>>(path, signal), path, 3000);
  return (
    <main>
      <header class="page-head">
        <h1>Events</h1>
        <form
          class="picker"
          onSubmit={(e) => {
            e.preventDefault();
            const value = (new FormData(e.currentTarget as HTMLFormElement).get("type") as string).trim();
            navigate(`/events${query({ type: value })}`);
          }}
        >
          <input name="type" placeholder="type (e.g. run_result)" value={type} aria-label="event type" />
          <button type="submit">Filter</button>
        </form>
      </header>
      <ErrorBox error={list.error} />
      {!list.data && !list.error && <Loading />}
      {list.data && <EventsTable events={list.data.items} showTask />}
    </main>
  );
}
