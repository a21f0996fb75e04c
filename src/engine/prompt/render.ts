/**
 * @module Rendering a StepTemplate prompt: each `{name}` with a value is
 * replaced by it; a placeholder without a value is left exactly as written,
 * so a prompt may talk about `{braces}` freely. Values are never re-scanned.
 */
import { placeholderAt } from "./placeholder.js";

export interface RenderedText {
  text: string;
  /** Placeholders left as written because no value was given, in order of first use. */
  unresolved: string[];
}

export function renderTemplate(template: string, vars: Readonly<Record<string, string>>): RenderedText {
  let text = "";
  const unresolved: string[] = [];
  let last = 0;
  for (let i = template.indexOf("{"); i !== -1; i = template.indexOf("{", i + 1)) {
    const m = placeholderAt(template, i);
    if (!m) continue;
    if (!Object.hasOwn(vars, m.name)) {
      if (!unresolved.includes(m.name)) unresolved.push(m.name);
      continue;
    }
    text += template.slice(last, i) + vars[m.name];
    last = m.end;
    i = m.end - 1;
  }
  return { text: text + template.slice(last), unresolved };
}
