/**
 * @module The output contract every command that lists or shows things goes
 * through: a table for people (`wide` adds columns), `-o json|yaml` as a
 * kubectl `List` (or the one object asked for), `-o name` as `kind/name`,
 * `-o jsonpath=` and `-o custom-columns=` over the same JSON, `--sort-by`
 * and `--no-headers`. A command describes its items once (a Listing) and
 * this module prints them in every format; docs/cli.md describes the
 * contract.
 */
import { API_VERSION, type JsonObject, type JsonValue } from "../../resources/types.js";
import { parseSortBy, type OutputFormat } from "./format.js";
import { writeErr, writeOut } from "./io.js";
import { formatValue } from "./jsonpath.js";
import { renderTable } from "./table.js";
import { toYaml } from "./yaml.js";

export interface Column<T> {
  header: string;
  value: (item: T) => string;
  /** Shown with `-o wide` only. */
  wide?: boolean;
}

/** How one sort of item is shown: its JSON (the stable contract), its name, its table columns. */
export interface Listing<T> {
  /** `kind` of each item's JSON when its view has none, and the `kind/` of `-o name` (lower-cased). */
  kind: string;
  /** The `kind/` of `-o name` when it differs from `kind` (`task/ID` for a TaskRecord), as the commands take it back. */
  nameKind?: string;
  /** The item as JSON: what -o json|yaml print and what jsonpath, custom-columns and --sort-by read. */
  view: (item: T) => JsonObject;
  /** The name `-o name` prints after `kind/`. */
  name: (item: T) => string;
  /** What tells two items apart when names may repeat (a project's resources); the name when absent. */
  id?: (item: T) => string;
  /** Table columns; those marked `wide` only with -o wide. */
  columns: readonly Column<T>[];
}

/** The flags every listing takes. */
export interface ListFlags {
  output?: OutputFormat;
  /** Tables and custom-columns without their header line. */
  headers?: boolean;
  sortBy?: string;
}

export interface Group<T> {
  listing: Listing<T>;
  items: readonly T[];
}

export interface PrintOptions {
  /** Exactly one object was asked for by name: json and yaml print it alone, not in a List. */
  single?: boolean;
  /** Several kinds in one table output: names read `kind/name`, as `kubectl get a,b` prints them. */
  kindPrefix?: boolean;
  /** Said on stderr when there is nothing to print in a table. */
  empty?: string;
}

/** `{apiVersion, kind: List, items}`: every `-o json|yaml` of several things. */
export function listDocument(items: readonly JsonObject[]): JsonObject {
  return { apiVersion: API_VERSION, kind: "List", items: [...items] };
}

/** An item's JSON with its `kind` (and apiVersion) first, as kubectl's List items carry them. */
export function kindedView<T>(listing: Listing<T>, item: T): JsonObject {
  const v = listing.view(item);
  if (typeof v["kind"] === "string") return v;
  return { apiVersion: API_VERSION, kind: listing.kind, ...v };
}

/** What `-o json` prints for a listing's items: a List of their views, each with its kind. */
export function listJson<T>(listing: Listing<T>, items: readonly T[]): JsonObject {
  return listDocument(items.map((i) => kindedView(listing, i)));
}

/** One object as `-o json` prints it (printObject): its view with apiVersion and kind first. */
export function objectJson(kind: string, view: JsonObject): JsonObject {
  return typeof view["kind"] === "string" ? view : { apiVersion: API_VERSION, kind, ...view };
}

export function printList<T>(listing: Listing<T>, items: readonly T[], flags: ListFlags, opts: PrintOptions = {}): void {
  printGroups([{ listing, items }], flags, opts);
}

/** Prints one or more groups (one per kind) in the format asked for. */
export function printGroups<T>(groups: readonly Group<T>[], flags: ListFlags, opts: PrintOptions = {}): void {
  const format = flags.output ?? { type: "table" };
  const sorted = flags.sortBy ? groups.map((g) => ({ ...g, items: sortItems(g, flags.sortBy!) })) : groups;
  const views = (): JsonObject[] => sorted.flatMap((g) => g.items.map((i) => kindedView(g.listing, i)));
  const document = (): JsonObject => {
    const all = views();
    return opts.single && all.length === 1 ? all[0]! : listDocument(all);
  };
  switch (format.type) {
    case "json":
      writeOut(JSON.stringify(document(), null, 2) + "\n");
      return;
    case "yaml":
      writeOut(toYaml(document()));
      return;
    case "name":
      if (opts.empty && sorted.every((g) => g.items.length === 0)) return void writeErr(`${opts.empty}\n`);
      writeOut(sorted.flatMap((g) => g.items.map((i) => `${nameKindOf(g.listing)}/${g.listing.name(i)}\n`)).join(""));
      return;
    case "jsonpath":
      // As kubectl: exactly what the template says, no newline added.
      writeOut(format.template.render(document()));
      return;
    case "custom-columns": {
      const all = views();
      if (all.length === 0 && opts.empty) return void writeErr(`${opts.empty}\n`);
      const rows = all.map((v) => format.columns.map((c) => customCell(c.path.values(v))));
      writeOut(table(format.columns.map((c) => c.header), rows, flags.headers !== false));
      return;
    }
    default: {
      const wide = format.type === "wide";
      const tables: string[] = [];
      for (const g of sorted) {
        if (g.items.length === 0) continue;
        const cols = g.listing.columns.filter((c) => wide || !c.wide);
        const rows = g.items.map((i) =>
          cols.map((c) => {
            const v = c.value(i);
            return opts.kindPrefix && c.header === "NAME" ? `${nameKindOf(g.listing)}/${v}` : v;
          }),
        );
        tables.push(table(cols.map((c) => c.header), rows, flags.headers !== false));
      }
      if (tables.length) writeOut(tables.join("\n"));
      else if (opts.empty) writeErr(`${opts.empty}\n`);
    }
  }
}

/**
 * One object shown (`task info`, `db status`, `source status NAME`): its
 * JSON in the machine formats, `human()` for people.
 */
export function printObject(kind: string, view: JsonObject, name: string, flags: ListFlags, human: () => string, nameKind?: string): void {
  const listing: Listing<JsonObject> = { kind, view: (v) => v, name: () => name, columns: [], ...(nameKind ? { nameKind } : {}) };
  const format = flags.output ?? { type: "table" };
  if (format.type === "table" || format.type === "wide" || format.type === "other") {
    writeOut(human());
    return;
  }
  printGroups([{ listing, items: [view] }], flags, { single: true });
}

/**
 * A command's result (`apply`, `sync`, `manifest validate`, `check`, ...)
 * in the machine formats: its JSON object with `apiVersion` and `kind`
 * first, as json, yaml or through jsonpath. False for the human formats,
 * which the command prints itself.
 */
export function printMachine(kind: string, view: JsonObject, output: OutputFormat | string | undefined, name = "", opts: { jsonLine?: boolean; nameKind?: string } = {}): boolean {
  const format: OutputFormat = typeof output === "string" ? (output === "json" || output === "yaml" ? { type: output } : { type: "table" }) : (output ?? { type: "table" });
  if (format.type === "table" || format.type === "wide" || format.type === "other") return false;
  // One line: a result that closes a stream of other output (`run`), read as the last line.
  if (format.type === "json" && opts.jsonLine) {
    writeOut(JSON.stringify({ apiVersion: API_VERSION, kind, ...view }) + "\n");
    return true;
  }
  printObject(kind, view, name || kind.toLowerCase(), { output: format }, () => "", opts.nameKind);
  return true;
}

/** The name of a format as commands that predate the contract compare it (`json`, `text`, `markdown`). */
export function formatName(output: OutputFormat | string | undefined): string {
  if (output === undefined) return "text";
  if (typeof output === "string") return output;
  return output.type === "other" ? output.name : output.type === "table" ? "text" : output.type;
}

function nameKindOf<T>(l: Listing<T>): string {
  return (l.nameKind ?? l.kind).toLowerCase();
}

function table(headers: readonly string[], rows: readonly (readonly string[])[], withHeaders: boolean): string {
  const text = renderTable(headers, rows);
  return withHeaders ? text : text.slice(text.indexOf("\n") + 1);
}

/** kubectl prints `<none>` for a custom column with no value. */
function customCell(values: readonly JsonValue[]): string {
  const shown = values.filter((v) => v !== null).map(formatValue);
  return shown.length ? shown.join(",") : "<none>";
}

/** Items in the order of the value `--sort-by` selects: numbers by size, everything else as text; missing first. */
function sortItems<T>(g: Group<T>, sortBy: string): T[] {
  const path = parseSortBy(sortBy);
  const keyed = g.items.map((item, i) => ({ item, i, key: path.values(kindedView(g.listing, item))[0] }));
  keyed.sort((a, b) => compareKeys(a.key, b.key) || a.i - b.i);
  return keyed.map((k) => k.item);
}

function compareKeys(a: JsonValue | undefined, b: JsonValue | undefined): number {
  if (a === undefined || a === null) return b === undefined || b === null ? 0 : -1;
  if (b === undefined || b === null) return 1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  const x = formatValue(a);
  const y = formatValue(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
