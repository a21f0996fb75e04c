/**
 * @module The filtering proxy behind `network_mode: allowlist`. It listens
 * on a unix socket in the step's runtime directory, which is the only way
 * out of the sandbox's network namespace (the in-sandbox bridge relays
 * 127.0.0.1 to it). It speaks the two forms HTTP clients use with
 * HTTP_PROXY/HTTPS_PROXY: `CONNECT host:port` (HTTPS and other tunnels) and
 * absolute-URI requests (`GET http://host/...`). The target must match the
 * allowlist exactly, or the client gets 403 and the refusal is recorded.
 * Every byte of a connection goes to the target checked on its first
 * request, so a second request on the same connection cannot reach another.
 */
import { createServer, connect, type Server, type Socket } from "node:net";
import { allowlistPermits, type AllowEntry } from "./profile.js";

export interface ProxyRefusal {
  /** `host:port` as the client asked for it. */
  target: string;
  count: number;
}

export interface AllowlistProxy {
  /** Connections refused, by target, in the order first seen. */
  refusals(): ProxyRefusal[];
  close(): Promise<void>;
}

/** Request heads larger than this are refused: no client needs more to name a target. */
const MAX_HEAD_BYTES = 64 * 1024;

export async function startAllowlistProxy(socketPath: string, allowlist: readonly AllowEntry[]): Promise<AllowlistProxy> {
  const refused = new Map<string, number>();
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    open.add(client);
    client.on("close", () => open.delete(client));
    handle(client, allowlist, (target) => refused.set(target, (refused.get(target) ?? 0) + 1));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(socketPath, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    refusals: () => [...refused].map(([target, count]) => ({ target, count })),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}

interface Target {
  host: string;
  port: number;
}

function handle(client: Socket, allowlist: readonly AllowEntry[], refuse: (target: string) => void): void {
  let buffered = Buffer.alloc(0);
  client.on("error", () => client.destroy());
  const onData = (chunk: Buffer): void => {
    buffered = Buffer.concat([buffered, chunk]);
    const end = buffered.indexOf("\r\n\r\n");
    if (end < 0) {
      if (buffered.length > MAX_HEAD_BYTES) reply(client, 431, "Request Header Fields Too Large");
      return;
    }
    client.off("data", onData);
    client.pause();
    const head = buffered.subarray(0, end).toString("latin1");
    const rest = buffered.subarray(end + 4);
    const [requestLine = "", ...headers] = head.split("\r\n");
    const [method = "", uri = "", version = "HTTP/1.1"] = requestLine.split(" ");
    const target = method.toUpperCase() === "CONNECT" ? authority(uri, 443) : absoluteTarget(uri);
    if (!target) return reply(client, 400, "Bad Request", "the proxy takes CONNECT host:port or an absolute http:// URI");
    const label = `${target.host.includes(":") ? `[${target.host}]` : target.host}:${target.port}`;
    if (!allowlistPermits(allowlist, target.host, target.port)) {
      refuse(label);
      return reply(client, 403, "Forbidden", `sandbox_network_blocked: ${label} is not in the profile's network_allowlist`);
    }
    const upstream = connect({ host: target.host, port: target.port });
    upstream.on("error", (err) => {
      if (!client.destroyed && client.bytesWritten === 0) reply(client, 502, "Bad Gateway", `cannot reach ${label}: ${err.message}`);
      else client.destroy();
    });
    upstream.on("connect", () => {
      if (method.toUpperCase() === "CONNECT") {
        client.write(`${version} 200 Connection Established\r\n\r\n`);
      } else {
        // Origin form for the server; one request per connection, so the target checked is the only one served.
        const path = originForm(uri);
        const kept = headers.filter((h) => !/^(proxy-connection|proxy-authorization|connection|keep-alive)\s*:/i.test(h));
        upstream.write(`${method} ${path} ${version}\r\n${[...kept, "Connection: close"].join("\r\n")}\r\n\r\n`);
      }
      if (rest.length) upstream.write(rest);
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  };
  client.on("data", onData);
}

function reply(client: Socket, status: number, text: string, body = ""): void {
  const payload = body ? `${body}\n` : "";
  client.end(`HTTP/1.1 ${status} ${text}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(payload)}\r\nConnection: close\r\n\r\n${payload}`);
}

/** `host:port`, `[v6]:port`; `fallbackPort` when no port is written. */
function authority(text: string, fallbackPort: number): Target | undefined {
  let host: string;
  let port: string | undefined;
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close < 0) return undefined;
    host = text.slice(1, close);
    const after = text.slice(close + 1);
    port = after.startsWith(":") ? after.slice(1) : after === "" ? undefined : "x";
  } else {
    const i = text.lastIndexOf(":");
    host = i < 0 ? text : text.slice(0, i);
    port = i < 0 ? undefined : text.slice(i + 1);
  }
  if (!host || (port !== undefined && !/^\d{1,5}$/.test(port))) return undefined;
  const n = port === undefined ? fallbackPort : Number(port);
  return n >= 1 && n <= 65535 ? { host: host.toLowerCase(), port: n } : undefined;
}

function absoluteTarget(uri: string): Target | undefined {
  const m = /^http:\/\/([^/?#]+)/i.exec(uri);
  if (!m) return undefined;
  const auth = m[1]!.replace(/^[^@]*@/, "");
  return authority(auth, 80);
}

function originForm(uri: string): string {
  const m = /^http:\/\/[^/?#]+(.*)$/i.exec(uri);
  const rest = m?.[1] ?? "/";
  return rest.startsWith("/") ? rest : `/${rest}`;
}
