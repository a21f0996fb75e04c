import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAllowlistProxy, type AllowlistProxy } from "../../src/sandbox/network-proxy.js";
import { parseAllowEntry } from "../../src/sandbox/profile.js";

/** Sends raw bytes to the proxy's socket and returns everything it answers. */
function exchange(socket: string, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = connect(socket);
    let got = "";
    c.on("data", (d) => (got += d.toString()));
    // Every exchange here ends with the proxy closing: a refusal, or a target that closes after one response.
    c.on("close", () => resolve(got));
    c.on("error", reject);
    c.write(request);
  });
}

describe("the allowlist proxy", () => {
  let dir: string;
  let http: Server;
  let port = 0;
  let proxy: AllowlistProxy;
  const socket = (): string => join(dir, "proxy.sock");

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "proxy-test-"));
    http = createServer((req, res) => res.end(`hello ${req.url} ${req.headers["connection"]}`));
    await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
    port = (http.address() as { port: number }).port;
    proxy = await startAllowlistProxy(socket(), [parseAllowEntry(`127.0.0.1:${port}`) as never]);
  });
  afterAll(async () => {
    await proxy.close();
    http.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("forwards an absolute-URI request to a listed target in origin form, one request per connection", async () => {
    const got = await exchange(socket(), `GET http://127.0.0.1:${port}/a?b=1 HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nProxy-Connection: keep-alive\r\n\r\n`);
    expect(got).toMatch(/^HTTP\/1\.1 200/);
    expect(got).toContain("hello /a?b=1 close");
  });

  it("tunnels CONNECT to a listed target", async () => {
    const got = await exchange(socket(), `CONNECT 127.0.0.1:${port} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\nGET /t HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    expect(got).toMatch(/^HTTP\/1\.1 200 Connection Established\r\n\r\nHTTP\/1\.1 200/);
    expect(got).toContain("hello /t");
  });

  it("refuses anything else with 403 and counts it", async () => {
    const other = await exchange(socket(), `CONNECT example.com:443 HTTP/1.1\r\n\r\n`);
    expect(other).toMatch(/^HTTP\/1\.1 403 Forbidden/);
    expect(other).toContain("sandbox_network_blocked: example.com:443");
    await exchange(socket(), `GET http://127.0.0.1:${port + 1}/ HTTP/1.1\r\n\r\n`);
    await exchange(socket(), `CONNECT example.com:443 HTTP/1.1\r\n\r\n`);
    expect(proxy.refusals()).toEqual([
      { target: "example.com:443", count: 2 },
      { target: `127.0.0.1:${port + 1}`, count: 1 },
    ]);
  });

  it("answers a request it cannot read with 400", async () => {
    expect(await exchange(socket(), `GET /relative HTTP/1.1\r\n\r\n`)).toMatch(/^HTTP\/1\.1 400/);
  });
});
