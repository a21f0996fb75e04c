/**
 * @module Statements prepared once per connection and text: a store
 * module's statements are a fixed set, each run many times.
 */
import type { Database, Statement } from "better-sqlite3";

export function preparedOnce(db: Database): (sql: string) => Statement {
  const statements = new Map<string, Statement>();
  return (sql) => {
    let s = statements.get(sql);
    if (!s) statements.set(sql, (s = db.prepare(sql)));
    return s;
  };
}
