/**
 * @module What the JSON API's routes share: the open store and its home,
 * the actor their actions are recorded as, and how errors become answers
 * (`{"error": {"status", "message"}}`, the message the CLI would print).
 */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { CliError, UsageError } from "../../cli/errors.js";
import type { Home } from "../../store/home.js";
import type { Store } from "../../store/store.js";

export interface ApiContext {
  store: Store;
  home: Home;
  /** Recorded as the actor of the actions taken through the API. */
  actor: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export const notFound = (message: string): ApiError => new ApiError(404, message);
export const badRequest = (message: string): ApiError => new ApiError(400, message);

/**
 * The answer for an error thrown by a route: its own status for an
 * ApiError, 400 for what the CLI calls a usage error, 409 for the other
 * refusals the CLI prints (the request was understood, the state forbids
 * it), 500 with a generic message for anything else.
 */
export function errorResponse(err: Error, c: Context): Response {
  if (err instanceof HTTPException) return err.getResponse();
  const [status, message]: [ContentfulStatusCode, string] =
    err instanceof ApiError ? [err.status, err.message] : err instanceof UsageError ? [400, err.message] : err instanceof CliError ? [409, err.message] : [500, "internal error; see the server's log"];
  return c.json({ error: { status, message } }, status);
}

/** A whole number query parameter within bounds, or a 400 naming it. */
export function intParam(c: Context, name: string, fallback: number, min: number, max: number): number {
  const raw = c.req.query(name);
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max) throw badRequest(`${name} must be a whole number from ${min} to ${max}, got '${raw}'`);
  return n;
}
