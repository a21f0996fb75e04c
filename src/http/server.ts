/**
 * @module Serving a Hono app on an address with Node's HTTP server (through
 * `@hono/node-server`), for the controller's webhook listener and the web
 * view alike: listening, the URL it is reachable at (the port the system
 * chose for port 0), and closing with its open connections (keep-alive and
 * event streams would hold it open); and the rule that guards the webhook
 * listener: one other hosts can reach never takes an unsigned webhook, so
 * the controller refuses to start on one while a webhook trigger has no
 * secret.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import type { Hono } from "hono";
import type { Store } from "../store/store.js";
import { readTrigger } from "../runtime/triggers/spec.js";
import { formatBind, isLoopback, urlOf, type BindAddress } from "./bind.js";

export interface HttpServer {
  /** Where it listens, with the port the system chose for port 0. */
  readonly address: BindAddress;
  readonly url: string;
  close(): Promise<void>;
}

/** The address could not be listened on; `code` is the system's (EADDRINUSE, ...). */
export class HttpListenError extends Error {
  override name = "HttpListenError";
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

export interface ServeOptions {
  /** How an HttpListenError names the address: HOST:PORT as the flag takes it (the default), or the URL. */
  shownAs?: "address" | "url";
  /** Said after "the address is in use": who may hold it. */
  inUseHint?: string;
}

export async function startHttpServer(app: Hono, bind: BindAddress, opts: ServeOptions = {}): Promise<HttpServer> {
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      server.off("listening", onListening);
      const why =
        err.code === "EADDRINUSE"
          ? `the address is in use${opts.inUseHint ?? ""}`
          : err.code === "EADDRNOTAVAIL"
            ? "no interface of this machine has that address"
            : err.code === "EACCES"
              ? "permission denied"
              : err.message;
      const where = opts.shownAs === "url" ? urlOf(bind.host, bind.port) : formatBind(bind);
      reject(new HttpListenError(`cannot listen on ${where}: ${why}`, err.code));
    };
    const onListening = (): void => {
      server.off("error", onError);
      resolve();
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(bind.port, bind.host);
  });
  const address = { host: bind.host, port: (server.address() as AddressInfo).port };
  return {
    address,
    url: urlOf(address.host, address.port),
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

/**
 * Webhook triggers without `webhook.secret`: on a listener other hosts can
 * reach they would fire for anyone, so the controller does not start.
 */
export function unsignedWebhookTriggers(store: Store, bind: BindAddress): string[] {
  if (isLoopback(bind.host)) return [];
  const out: string[] = [];
  for (const r of store.listResources({ kind: "Trigger", allProjects: true })) {
    try {
      const source = readTrigger(r).spec.source;
      if (source.kind === "webhook" && source.secretRef === undefined) out.push(`trigger/${r.metadata.name} (project ${r.metadata.project})`);
    } catch {
      // A trigger the scheduler cannot read fires for nobody.
    }
  }
  return out;
}
