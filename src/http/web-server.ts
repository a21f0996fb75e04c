/**
 * @module Serving a Hono app on an address with Node's HTTP server (through
 * `@hono/node-server`): listening, the URL it is reachable at (the port
 * chosen when 0 was asked for), and closing, open event streams included.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import type { Hono } from "hono";
import { urlOf, type BindAddress } from "./bind.js";

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export class ListenError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = "ListenError";
  }
}

export async function serveApp(app: Hono, bind: BindAddress): Promise<RunningServer> {
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      server.off("listening", onListening);
      const why = err.code === "EADDRINUSE" ? "the address is in use" : err.code === "EADDRNOTAVAIL" ? "no interface of this machine has that address" : err.code === "EACCES" ? "permission denied" : err.message;
      reject(new ListenError(`cannot listen on ${urlOf(bind.host, bind.port)}: ${why}`, err.code));
    };
    const onListening = (): void => {
      server.off("error", onError);
      resolve();
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(bind.port, bind.host);
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: urlOf(bind.host, port),
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Event streams never end on their own.
        server.closeAllConnections();
      }),
  };
}
