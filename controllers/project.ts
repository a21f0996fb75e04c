/**
 * @module The Project controller: a Project is not inside a project, so a
 * `metadata.project` on one means nothing and is reported.
 */
import type { KindController } from "./types.js";

export const projectController: KindController = {
  kind: "Project",
  validate(doc) {
    const meta = doc.resource.metadata as { project?: unknown; name?: unknown };
    if (meta.project === undefined) return [];
    const path = ["metadata", "project"];
    return [
      {
        severity: "warning",
        code: "unknown-field",
        message: "a Project is not inside a project; metadata.project is ignored",
        resource: `project/${String(meta.name)}`,
        path: "metadata.project",
        position: doc.positionOf(path),
        hint: "remove metadata.project from the Project",
      },
    ];
  },
};
