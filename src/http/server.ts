/**
 * @module Serving the app on the controller's address (@hono/node-server),
 * and the rule that guards it: a listener other hosts can reach never takes
 * an unsigned webhook, so the controller refuses to start on one while a
 * webhook trigger has no secret.
 */
import type { AddressInfo } from "node:net";
import { createAdaptorServer, type ServerType } from "@hono/node-server";
import type { Hono } from "hono";
import type { Store } from "../store/store.js";
import { readTrigger } from "../runtime/triggers/spec.js";
import { formatBind, isLoopback, type BindAddress } from "./bind.js";

export interface HttpServer {
  /** Where it listens, with the port the system chose for port 0. */
  readonly address: BindAddress;
  readonly url: string;
  close(): Promise<void>;
}

export class HttpListenError extends Error {
  override name = "HttpListenError";
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

export function startHttpServer(app: Hono, bind: BindAddress): Promise<HttpServer> {
  const server: ServerType = createAdaptorServer({ fetch: app.fetch });
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      const why = err.code === "EADDRINUSE" ? "the address is in use (another controller?)" : err.code === "EACCES" ? "permission denied" : err.message;
      reject(new HttpListenError(`cannot listen on ${formatBind(bind)}: ${why}`, err.code));
    };
    server.once("error", onError);
    server.listen(bind.port, bind.host, () => {
      server.off("error", onError);
      const info = server.address() as AddressInfo;
      const address = { host: bind.host, port: info.port };
      resolve({
        address,
        url: `http://${formatBind(address)}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            // Keep-alive connections would hold close() open.
            if ("closeAllConnections" in server) server.closeAllConnections();
          }),
      });
    });
  });
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
