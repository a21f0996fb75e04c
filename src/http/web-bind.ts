/**
 * @module Where a listener binds: `HOST:PORT` (`127.0.0.1:19091`,
 * `[::1]:8080`, `0.0.0.0:19091`) or `none`, and whether that address is
 * reachable only from this machine. A listener that is not must be given a
 * token (see auth.ts).
 */
import { isIP } from "node:net";

/** Where the web view listens unless told otherwise. */
export const DEFAULT_UI_BIND = "127.0.0.1:19091";

export interface BindAddress {
  host: string;
  port: number;
}

export class BindError extends Error {
  override name = "BindError";
}

/** The address, or null for `none`; a BindError naming the flag otherwise. */
export function parseBind(value: string, flag: string): BindAddress | null {
  const text = value.trim();
  if (text.toLowerCase() === "none") return null;
  const m = /^(?:\[([^\]]+)\]|([^:\s]*)):(\d{1,5})$/.exec(text);
  const host = m ? (m[1] ?? m[2] ?? "") : "";
  const port = m ? Number(m[3]) : NaN;
  if (!m || host === "" || port > 65535 || (m[1] !== undefined && isIP(host) !== 6)) {
    throw new BindError(`${flag} '${value}' is not HOST:PORT or none; e.g. 127.0.0.1:19091, [::1]:19091, 0.0.0.0:19091 (with a token), or none to serve nothing`);
  }
  return { host, port };
}

/** True when only this machine can connect: a loopback address or `localhost`. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  if (h === "localhost" || h.endsWith(".localhost")) return true;
  if (isIP(h) === 4) return h.startsWith("127.");
  if (isIP(h) === 6) return h === "::1" || h === "0:0:0:0:0:0:0:1";
  return false;
}

/** `http://127.0.0.1:19091`, with brackets around an IPv6 host. */
export function urlOf(host: string, port: number): string {
  return `http://${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}
