/**
 * @module Runs inside the sandbox of a `network_mode: allowlist` step, as
 * `node network-bridge.js SOCKET -- COMMAND...`: listens on 127.0.0.1 of the
 * sandbox's own network namespace, relays every connection to the proxy's
 * unix socket, and runs the command with HTTP_PROXY/HTTPS_PROXY pointing at
 * it. It exits as the command does, and the sandbox with it. Node built-ins
 * only: it starts in a fresh process for every such step.
 */
import { spawn } from "node:child_process";
import { connect, createServer } from "node:net";
import { constants } from "node:os";

function main(argv: readonly string[]): void {
  const sep = argv.indexOf("--");
  const socketPath = argv[0];
  const command = argv.slice(sep + 1);
  if (sep !== 1 || !socketPath || command.length === 0) {
    process.stderr.write("usage: network-bridge SOCKET -- COMMAND...\n");
    process.exit(125);
  }
  const server = createServer((client) => {
    const upstream = connect(socketPath);
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  server.on("error", (err) => {
    process.stderr.write(`orchestrator sandbox: the network bridge failed: ${err.message}\n`);
    process.exit(125);
  });
  server.listen(0, "127.0.0.1", () => {
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : 0;
    const proxy = `http://127.0.0.1:${port}`;
    // Both spellings: curl reads the lower-case http_proxy only; most others either. NO_PROXY cleared so nothing goes around it.
    const env = { ...process.env, HTTP_PROXY: proxy, HTTPS_PROXY: proxy, http_proxy: proxy, https_proxy: proxy, ALL_PROXY: proxy, all_proxy: proxy, NO_PROXY: "", no_proxy: "" };
    const child = spawn(command[0]!, command.slice(1), { stdio: "inherit", env });
    for (const sig of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(sig, () => child.kill(sig));
    child.on("error", (err) => {
      process.stderr.write(`orchestrator sandbox: cannot start ${command[0]}: ${err.message}\n`);
      process.exit(127);
    });
    child.on("exit", (code, signal) => process.exit(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0)));
  });
}

main(process.argv.slice(2));
