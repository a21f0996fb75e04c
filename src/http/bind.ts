/**
 * @module The listener's address as `--webhook-bind` gives it: `HOST:PORT`
 * (`127.0.0.1:19090`, `0.0.0.0:8080`, `[::1]:19090`) or `none`. Loopback
 * addresses are the only ones reachable from this host alone: anything else
 * needs every webhook trigger signed (see server.ts).
 */
import { isIP } from "node:net";

export const DEFAULT_WEBHOOK_BIND = "127.0.0.1:19090";
/** Read when `--webhook-bind` is not given (the background controller `task create` starts inherits it). */
export const WEBHOOK_BIND_ENV = "ORCHESTRATOR_WEBHOOK_BIND";

export interface BindAddress {
  host: string;
  port: number;
}

export class BindAddressError extends Error {
  override name = "BindAddressError";
}

/** `none` (any case) turns the listener off: null. */
export function parseBindAddress(text: string): BindAddress | null {
  const t = text.trim();
  if (t.toLowerCase() === "none") return null;
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(t);
  if (!m) throw new BindAddressError(`--webhook-bind '${text}' is not HOST:PORT (e.g. 127.0.0.1:19090, [::1]:19090) or none`);
  const host = m[1] ?? m[2]!;
  const port = Number(m[3]);
  if (port > 65535) throw new BindAddressError(`--webhook-bind '${text}': port ${port} is above 65535`);
  if (m[1] !== undefined && isIP(host) !== 6) throw new BindAddressError(`--webhook-bind '${text}': '${host}' is not an IPv6 address`);
  return { host, port };
}

/** Loopback: 127.0.0.0/8, ::1 and `localhost`; every other address may be reached from elsewhere. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  if (h === "localhost" || h === "::1" || h === "0:0:0:0:0:0:0:1") return true;
  if (isIP(h) === 4) return h.startsWith("127.");
  if (h.startsWith("::ffff:")) return isLoopback(h.slice("::ffff:".length));
  return false;
}

export function formatBind(b: BindAddress): string {
  return isIP(b.host) === 6 ? `[${b.host}]:${b.port}` : `${b.host}:${b.port}`;
}
