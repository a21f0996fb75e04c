/**
 * @module Parameters for PostgreSQL statements: `@name` placeholders (as the
 * SQLite statements use) and `?` placeholders turned into `$n`, compiled
 * once per statement text.
 */
import type { SqlValue, Statement } from "./bridge.js";

interface Compiled {
  text: string;
  names: string[];
}

const compiled = new Map<string, Compiled>();

/** `@name` placeholders bound from an object, in one statement. */
export function named(sql: string, params: Record<string, unknown>): Statement {
  let c = compiled.get(sql);
  if (!c) {
    const names: string[] = [];
    const text = sql.replace(/@([A-Za-z_][A-Za-z0-9_]*)/g, (_m, name: string) => {
      let i = names.indexOf(name);
      if (i < 0) i = names.push(name) - 1;
      return `$${i + 1}`;
    });
    c = { text, names };
    compiled.set(sql, c);
  }
  return { sql: c.text, params: c.names.map((n) => (params[n] ?? null) as SqlValue) };
}

/** `?` placeholders numbered in order. */
export function positional(sql: string): string {
  let c = compiled.get(sql);
  if (!c) {
    let n = 0;
    c = { text: sql.replace(/\?/g, () => `$${++n}`), names: [] };
    compiled.set(sql, c);
  }
  return c.text;
}
