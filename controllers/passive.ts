/**
 * @module A controller for a kind whose change sets nothing in motion by
 * itself: the engine reads the committed resource when a task needs it.
 */
import type { KindController } from "./types.js";

export function passiveController(kind: string): KindController {
  return { kind };
}
