/**
 * @module Who runs a command, as recorded where a person's action is kept
 * (a suspended trigger, a cordoned agent, a rotated key): the login name and
 * host, as `git` and `kubectl` audit logs name people.
 */
import { hostname, userInfo } from "node:os";

export function cliUser(): string {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    user = process.env["USER"] ?? "unknown";
  }
  return `${user}@${hostname()}`;
}
