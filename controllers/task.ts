/**
 * @module The Task controller: a committed Task generation is enqueued on
 * the engine (see declarative.ts); pruning a Task deletes only the resource,
 * never its execution history.
 */
import { declarativeController } from "./declarative.js";
import type { KindController } from "./types.js";

export const taskController: KindController = declarativeController("Task");
