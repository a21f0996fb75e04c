/**
 * @module `-w, --watch` for listings: after the list, the store is read
 * again every half second and each item that appeared, changed or went
 * away is printed once more in the same format (table rows without their
 * header, one JSON or YAML document per object), as `kubectl get -w` does.
 * Ctrl-C (or SIGTERM) ends it with status 0.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { kindedView, printGroups, type Group, type ListFlags, type PrintOptions } from "./printer.js";

export const WATCH_POLL_MS = 500;

/** Resolves when the user asks to stop (SIGINT, SIGTERM). */
export function untilInterrupted(): { signal: AbortSignal; dispose: () => void } {
  const abort = new AbortController();
  const stop = (): void => abort.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  return {
    signal: abort.signal,
    dispose: () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
    },
  };
}

/** Prints items one by one as a watch does: each JSON or YAML object alone, rows without a header. */
export function printWatched<T>(groups: readonly Group<T>[], flags: ListFlags, opts: PrintOptions = {}): void {
  const type = flags.output?.type ?? "table";
  if (type === "json" || type === "yaml" || type === "jsonpath") {
    for (const g of groups) for (const item of g.items) printGroups([{ listing: g.listing, items: [item] }], flags, { single: true });
    return;
  }
  printGroups(groups, { ...flags, headers: false }, { ...opts, empty: undefined });
}

/**
 * Polls `snapshot` until interrupted and prints what changed since the
 * previous look. The first snapshot is taken as already printed.
 */
export async function watchGroups<T>(snapshot: () => Group<T>[], flags: ListFlags, opts: PrintOptions = {}, pollMs = WATCH_POLL_MS): Promise<void> {
  const { signal, dispose } = untilInterrupted();
  try {
    let seen = fingerprints(snapshot());
    while (!signal.aborted) {
      try {
        await sleep(pollMs, undefined, { signal });
      } catch {
        break;
      }
      const now = snapshot();
      const next = fingerprints(now);
      const changed: Group<T>[] = [];
      for (const g of now) {
        const items = g.items.filter((item) => {
          const k = keyOf(g, item);
          return seen.get(k)?.print !== next.get(k)!.print;
        });
        if (items.length) changed.push({ listing: g.listing, items });
      }
      // Gone since the last look: their last state, once.
      for (const [k, was] of seen) if (!next.has(k)) changed.push({ listing: was.group.listing, items: [was.item] });
      if (changed.length) printWatched(changed, flags, opts);
      seen = next;
    }
  } finally {
    dispose();
  }
}

interface Seen<T> {
  print: string;
  group: Group<T>;
  item: T;
}

function keyOf<T>(g: Group<T>, item: T): string {
  return `${g.listing.kind}\u0000${g.listing.id?.(item) ?? g.listing.name(item)}`;
}

function fingerprints<T>(groups: readonly Group<T>[]): Map<string, Seen<T>> {
  const out = new Map<string, Seen<T>>();
  for (const g of groups) for (const item of g.items) out.set(keyOf(g, item), { print: JSON.stringify(kindedView(g.listing, item)), group: g, item });
  return out;
}
