/**
 * @module Who may send an unsigned delivery (a webhook trigger or source
 * without a secret): a program on this machine, through a loopback listener.
 * A web page open in a browser here can reach that listener too: a
 * cross-origin form-style POST needs no preflight, and a DNS name the page
 * controls can resolve to 127.0.0.1. Browsers mark such requests (`Origin`,
 * `Sec-Fetch-Site`) and address them by the page's name; curl, git hooks and
 * CI runners do neither. So an unsigned delivery is taken only when it is
 * addressed by a loopback name and carries no browser's mark.
 */
import type { Context } from "hono";
import { hostName, isLoopback } from "./bind.js";

/** Why an unsigned delivery on a loopback listener is refused (403), or undefined when it may go on. */
export function browserOrForeignHost(c: Context): string | undefined {
  const host = c.req.header("host");
  if (host !== undefined && !isLoopback(hostName(host))) {
    return `an unsigned delivery must be addressed to a loopback name (this one was addressed to ${host}); give the trigger or source a secret to take deliveries by other names`;
  }
  const origin = c.req.header("origin");
  const site = c.req.header("sec-fetch-site");
  if (origin !== undefined || (site !== undefined && site !== "none")) {
    return `an unsigned delivery from a web page (Origin: ${origin ?? "?"}) is refused; give the trigger or source a secret to take deliveries from browsers`;
  }
  return undefined;
}
