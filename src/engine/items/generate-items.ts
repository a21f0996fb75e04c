/**
 * @module `generate_items`: new task items read from a step's output. The
 * variable `from_var` holds text with JSON in it (the whole text, a fenced
 * block or JSON inside prose); `json_path` (default `$`) points at the list
 * in the last JSON value that has it; each element becomes one item, its id
 * at `mapping.item_id` (default: the element itself when it is a string or
 * number, else its `id`), its label at `mapping.label` (default: `label` or
 * `name` when present) and its variables at `mapping.vars`. A list that
 * cannot be read, an element without an id, or an id given twice is an
 * error: nothing is created from a half-read list.
 */
import { pickJsonPath } from "../captures/captures.js";
import { evaluateJsonPath, JsonPathError, parseJsonPath } from "../captures/json-path.js";
import type { JsonObject, JsonValue } from "../../resources/types.js";
import { textOfValue } from "../stores/store-values.js";

export interface GenerateItemsSpec {
  fromVar: string;
  jsonPath: string;
  mapping: { itemId?: string; label?: string; vars: Record<string, string> };
  replace: boolean;
}

export interface GeneratedItem {
  id: string;
  label?: string;
  vars: Record<string, string>;
}

export class GenerateItemsError extends Error {
  override name = "GenerateItemsError";
}

/** Longest item id accepted (ids become `{qa_file_path}` and `{rel_path}`). */
const MAX_ID = 512;

const str = (v: JsonValue | undefined): string | undefined => (typeof v === "string" ? v : undefined);

/** Reads a `generate_items` post-action as written (its schema was checked at apply). */
export function generateItemsSpecOf(action: JsonObject): GenerateItemsSpec {
  const mapping = action["mapping"] && typeof action["mapping"] === "object" && !Array.isArray(action["mapping"]) ? (action["mapping"] as JsonObject) : {};
  const vars: Record<string, string> = {};
  const rawVars = mapping["vars"];
  if (rawVars && typeof rawVars === "object" && !Array.isArray(rawVars)) for (const [k, v] of Object.entries(rawVars)) if (typeof v === "string") vars[k] = v;
  const spec: GenerateItemsSpec = { fromVar: str(action["from_var"]) ?? "", jsonPath: str(action["json_path"]) ?? "$", mapping: { vars }, replace: action["replace"] === true };
  const itemId = str(mapping["item_id"]);
  if (itemId !== undefined) spec.mapping.itemId = itemId;
  const label = str(mapping["label"]);
  if (label !== undefined) spec.mapping.label = label;
  return spec;
}

/** The items `text` (the value of `from_var`) describes. */
export function extractGeneratedItems(text: string, spec: GenerateItemsSpec): GeneratedItem[] {
  const picked = pickJsonPath(text, spec.jsonPath);
  if (!picked.ok) throw new GenerateItemsError(`generate_items: ${spec.fromVar}: ${picked.problem}`);
  if (!Array.isArray(picked.value)) {
    throw new GenerateItemsError(`generate_items: '${spec.jsonPath}' in ${spec.fromVar} is ${picked.value === null ? "null" : typeof picked.value}, not a list`);
  }
  const seen = new Set<string>();
  return picked.value.map((element, i) => {
    const where = `generate_items: element ${i} of '${spec.jsonPath}' in ${spec.fromVar}`;
    const id = idOf(element, spec.mapping.itemId, where);
    if (seen.has(id)) throw new GenerateItemsError(`${where}: item id '${id}' is given twice`);
    seen.add(id);
    const item: GeneratedItem = { id, vars: {} };
    const label = labelOf(element, spec.mapping.label, where);
    if (label !== undefined) item.label = label;
    for (const [name, path] of Object.entries(spec.mapping.vars)) {
      const v = at(element, path, where);
      if (v !== undefined) item.vars[name] = textOfValue(v);
    }
    return item;
  });
}

function at(element: JsonValue, path: string, where: string): JsonValue | undefined {
  let segments;
  try {
    segments = parseJsonPath(path);
  } catch (err) {
    throw new GenerateItemsError(`${where}: ${err instanceof JsonPathError ? err.message : String(err)}`);
  }
  const r = evaluateJsonPath(element, segments);
  return r.found ? r.value : undefined;
}

function idOf(element: JsonValue, path: string | undefined, where: string): string {
  let raw: JsonValue | undefined;
  if (path !== undefined) raw = at(element, path, where);
  else if (typeof element === "string" || typeof element === "number") raw = element;
  else if (element && typeof element === "object" && !Array.isArray(element)) raw = element["id"];
  if (typeof raw !== "string" && typeof raw !== "number") {
    throw new GenerateItemsError(`${where} has no item id${path !== undefined ? ` at '${path}'` : " (a string, or an object with an id)"}`);
  }
  const id = String(raw).trim();
  checkId(id, where);
  return id;
}

function labelOf(element: JsonValue, path: string | undefined, where: string): string | undefined {
  const raw = path !== undefined ? at(element, path, where) : element && typeof element === "object" && !Array.isArray(element) ? (element["label"] ?? element["name"]) : undefined;
  return raw === undefined || raw === null ? undefined : textOfValue(raw);
}

/**
 * Ids become item paths (`{qa_file_path}`, `{rel_path}`): a bounded,
 * workspace-relative value without control characters.
 */
function checkId(id: string, where: string): void {
  const problem =
    id === ""
      ? "is empty"
      : id.length > MAX_ID
        ? `is longer than ${MAX_ID} characters`
        : /[\u0000-\u001f\u007f]/.test(id)
          ? "holds a control character"
          : id.startsWith("/")
            ? "is an absolute path"
            : id.split(/[\\/]/).includes("..")
              ? "leaves the workspace (..)"
              : undefined;
  if (problem) throw new GenerateItemsError(`${where}: item id ${JSON.stringify(id.slice(0, 80))} ${problem}`);
}
