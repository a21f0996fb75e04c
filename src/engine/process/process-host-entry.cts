/**
 * @module The process-host helper's entry point, CommonJS on purpose: it
 * runs to its end before Node reads the IPC channel, so no message the
 * engine sent while this process was starting (nor the channel closing,
 * when the engine died meanwhile) passes unheard. An ES module entry is
 * loaded asynchronously, and what arrives meanwhile is dropped. It keeps
 * what arrives until process-host-child.js has loaded, then hands it over.
 */
import type { HostRequest } from "./process-host-child.js";

const early: HostRequest[] = [];
let disconnected = false;
const keep = (m: HostRequest): void => void early.push(m);
const gone = (): void => void (disconnected = true);
process.on("message", keep);
process.on("disconnect", gone);

void import("./process-host-child.js").then((child) => {
  process.off("message", keep);
  process.off("disconnect", gone);
  child.serve(early, disconnected || !process.connected);
});
