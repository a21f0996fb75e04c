/**
 * @module kubectl-style ages: 42s, 5m, 3h, 12d.
 */
export function formatAge(iso: string, now: number = Date.now()): string {
  return formatSeconds(Math.max(0, Math.floor((now - Date.parse(iso)) / 1000)));
}

/** How long until a time to come: `in 42s`, `in 5m`; `now` once it is due. */
export function formatUntil(iso: string, now: number = Date.now()): string {
  const secs = Math.ceil((Date.parse(iso) - now) / 1000);
  return secs <= 0 ? "now" : `in ${formatSeconds(secs)}`;
}

function formatSeconds(secs: number): string {
  if (secs < 120) return `${secs}s`;
  const mins = Math.floor(secs / 60);
  if (mins < 120) return `${mins}m`;
  const hours = Math.floor(mins / 60);
  if (hours < 48) return `${hours}h`;
  return `${Math.floor(hours / 24)}d`;
}
