/**
 * @module The Run controller: a committed Run generation is enqueued on the
 * engine (see declarative.ts); pruning a Run deletes only the resource,
 * never its execution history.
 */
import { declarativeController } from "./declarative.js";
import type { KindController } from "./types.js";

export const runController: KindController = declarativeController("Run");
