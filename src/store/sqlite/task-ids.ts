/**
 * @module Ids for tasks, items and runs: a kind prefix, the creation time in
 * fixed-width base36, then random digits — short, unique, and sorting in
 * creation order as plain strings.
 */
import { randomInt } from "node:crypto";

export type IdKind = "t" | "i" | "r";

/** Milliseconds in base36 fill 8 digits until the year 2059. */
const TIME_DIGITS = 8;
const RANDOM_DIGITS = 6;
const RANDOM_SPACE = 36 ** RANDOM_DIGITS;

export interface IdGenerator {
  next(kind: IdKind): string;
}

/**
 * A generator whose ids strictly increase within this process, like ULIDs:
 * in the same millisecond (or when the clock steps back) the random part is
 * incremented instead of drawn, so ids made in a row sort in the order made.
 * Across processes, ids made in the same millisecond sort arbitrarily.
 */
export function idGenerator(now: () => number = Date.now): IdGenerator {
  let lastTime = -1;
  let lastRandom = 0;
  return {
    next(kind: IdKind): string {
      let time = now();
      let random: number;
      if (time > lastTime) random = randomInt(RANDOM_SPACE / 2);
      else {
        time = lastTime;
        random = lastRandom + 1;
        if (random >= RANDOM_SPACE) {
          time += 1;
          random = 0;
        }
      }
      lastTime = time;
      lastRandom = random;
      return `${kind}-${digits(time, TIME_DIGITS)}${digits(random, RANDOM_DIGITS)}`;
    },
  };
}

function digits(n: number, width: number): string {
  return n.toString(36).padStart(width, "0");
}
