/**
 * @module Where a listener binds, for the webhook listener
 * (`--webhook-bind`) and the web view (`--ui-bind`, `ui --bind`):
 * `HOST:PORT` (`127.0.0.1:19090`, `0.0.0.0:8080`, `[::1]:19091`) or `none`,
 * whether that address is reachable from this machine only, and how to
 * write it back. A listener other machines can reach needs every webhook
 * trigger signed (see server.ts), and the web view a token (see auth.ts).
 */
import { isIP } from "node:net";

export const DEFAULT_WEBHOOK_BIND = "127.0.0.1:19090";
/** Read when `--webhook-bind` is not given (the background controller `task create` starts inherits it). */
export const WEBHOOK_BIND_ENV = "ORCHESTRATOR_WEBHOOK_BIND";
/** Where the web view listens unless told otherwise. */
export const DEFAULT_UI_BIND = "127.0.0.1:19091";

export interface BindAddress {
  host: string;
  port: number;
}

/** A bind address that could not be read; the message names the flag and the forms it takes. */
export class BindError extends Error {
  override name = "BindError";
}

/** What is wrong with a bind address, for each flag's message to say in its words. */
type Flaw = "form" | "port" | "ipv6";

function readBind(value: string): BindAddress | null | { flaw: Flaw; port?: number; host?: string } {
  const text = value.trim();
  if (text.toLowerCase() === "none") return null;
  const m = /^(?:\[([^\]]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(text);
  if (!m) return { flaw: "form" };
  const host = m[1] ?? m[2]!;
  const port = Number(m[3]);
  if (port > 65535) return { flaw: "port", port };
  if (m[1] !== undefined && isIP(host) !== 6) return { flaw: "ipv6", host };
  return { host, port };
}

/** `--webhook-bind`: the address, or null for `none` (any case); a BindError saying what is wrong otherwise. */
export function parseBindAddress(text: string): BindAddress | null {
  const r = readBind(text);
  if (r === null || !("flaw" in r)) return r;
  const flag = "--webhook-bind";
  if (r.flaw === "port") throw new BindError(`${flag} '${text}': port ${r.port} is above 65535`);
  if (r.flaw === "ipv6") throw new BindError(`${flag} '${text}': '${r.host}' is not an IPv6 address`);
  throw new BindError(`${flag} '${text}' is not HOST:PORT (e.g. 127.0.0.1:19090, [::1]:19090) or none`);
}

/** The web view's `flag` (`--ui-bind`, `--bind`): the address, or null for `none`; a BindError naming the flag otherwise. */
export function parseBind(value: string, flag: string): BindAddress | null {
  const r = readBind(value);
  if (r === null || !("flaw" in r)) return r;
  throw new BindError(`${flag} '${value}' is not HOST:PORT or none; e.g. 127.0.0.1:19091, [::1]:19091, 0.0.0.0:19091 (with a token), or none to serve nothing`);
}

/**
 * True when only this machine can connect: 127.0.0.0/8, ::1 (also as
 * ::ffff:127.x.y.z), `localhost` and names under it (RFC 6761 keeps them
 * on loopback); every other address may be reached from elsewhere.
 */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  if (h === "localhost" || h.endsWith(".localhost")) return true;
  if (isIP(h) === 4) return h.startsWith("127.");
  if (h.startsWith("::ffff:")) {
    const v4 = h.slice("::ffff:".length);
    return isIP(v4) === 4 && v4.startsWith("127.");
  }
  if (isIP(h) === 6) return h === "::1" || h === "0:0:0:0:0:0:0:1";
  return false;
}

/** The host name of a Host header (`127.0.0.1:19091`, `[::1]:80`, `localhost`). */
export function hostName(header: string): string {
  const m = /^\[([^\]]+)\](?::\d+)?$/.exec(header);
  if (m) return m[1]!;
  const i = header.lastIndexOf(":");
  return i === -1 ? header : header.slice(0, i);
}

/** `127.0.0.1:19090`, `[::1]:19090`. */
export function formatBind(b: BindAddress): string {
  return isIP(b.host) === 6 ? `[${b.host}]:${b.port}` : `${b.host}:${b.port}`;
}

/** `http://127.0.0.1:19091`, with brackets around an IPv6 host. */
export function urlOf(host: string, port: number): string {
  return `http://${formatBind({ host, port })}`;
}
