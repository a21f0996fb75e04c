/**
 * @module Label selectors as kubectl takes them: `k=v`, `k==v`, `k!=v`,
 * `k` (exists), `!k` (absent), comma-joined (all must hold).
 */

export type Requirement =
  | { op: "eq"; key: string; value: string }
  | { op: "neq"; key: string; value: string }
  | { op: "exists"; key: string }
  | { op: "absent"; key: string };

const KEY = /^[A-Za-z0-9]([A-Za-z0-9._/-]*[A-Za-z0-9])?$/;

export class SelectorError extends Error {}

export function parseSelector(text: string): Requirement[] {
  const out: Requirement[] = [];
  for (const raw of text.split(",")) {
    const part = raw.trim();
    if (!part) throw new SelectorError(`empty requirement in selector '${text}'`);
    let m: RegExpMatchArray | null;
    if ((m = part.match(/^([^=!]+)!=(.*)$/))) out.push({ op: "neq", key: checkKey(m[1]!.trim(), text), value: m[2]!.trim() });
    else if ((m = part.match(/^([^=!]+)==?(.*)$/))) out.push({ op: "eq", key: checkKey(m[1]!.trim(), text), value: m[2]!.trim() });
    else if (part.startsWith("!")) out.push({ op: "absent", key: checkKey(part.slice(1).trim(), text) });
    else out.push({ op: "exists", key: checkKey(part, text) });
  }
  return out;
}

function checkKey(key: string, text: string): string {
  if (!KEY.test(key)) throw new SelectorError(`invalid label key '${key}' in selector '${text}'`);
  return key;
}

export function matchesSelector(labels: Record<string, string> | undefined, reqs: readonly Requirement[]): boolean {
  const l = labels ?? {};
  return reqs.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    switch (r.op) {
      case "eq":
        return has && l[r.key] === r.value;
      case "neq":
        return !has || l[r.key] !== r.value;
      case "exists":
        return has;
      case "absent":
        return !has;
    }
  });
}
