/**
 * @module Workspace spec: where a task runs, which files become task items,
 * and where failure tickets go.
 */
import { boolean, loose, nonEmptyString, object, string, stringList, type KindSpec } from "./common.js";

export const workspace: KindSpec = {
  schema: object({
    root_path: nonEmptyString,
    qa_targets: stringList,
    ticket_dir: string,
    self_referential: boolean,
    health_policy: loose,
    /** Seen in upstream fixtures; upstream ignores it here (it belongs to a Workflow's safety). */
    binary_snapshot: boolean,
  }, { required: ["root_path"], misplaced: { root: "root_path", path: "root_path", tickets_dir: "ticket_dir" } }),
};
