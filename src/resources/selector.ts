/**
 * @module Label selectors as kubectl takes them: equality-based (`k=v`,
 * `k==v`, `k!=v`) and set-based (`k in (a,b)`, `k notin (a,b)`, `k`
 * exists, `!k` absent), comma-joined (all must hold).
 */

export type Requirement =
  | { op: "eq"; key: string; value: string }
  | { op: "neq"; key: string; value: string }
  | { op: "in"; key: string; values: string[] }
  | { op: "notin"; key: string; values: string[] }
  | { op: "exists"; key: string }
  | { op: "absent"; key: string };

const KEY = /^[A-Za-z0-9]([A-Za-z0-9._/-]*[A-Za-z0-9])?$/;

export class SelectorError extends Error {}

export function parseSelector(text: string): Requirement[] {
  return splitRequirements(text).map((part) => parseRequirement(part, text));
}

/** Splits on commas outside parentheses: `env in (a,b),tier` is two requirements. */
function splitRequirements(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const c of text) {
    if (c === "(") depth++;
    else if (c === ")") depth--;
    if (depth < 0) throw new SelectorError(`unbalanced ')' in selector '${text}'`);
    if (c === "," && depth === 0) {
      out.push(cur);
      cur = "";
    } else cur += c;
  }
  if (depth !== 0) throw new SelectorError(`unclosed '(' in selector '${text}'`);
  out.push(cur);
  return out.map((p) => {
    const t = p.trim();
    if (!t) throw new SelectorError(`empty requirement in selector '${text}'`);
    return t;
  });
}

function parseRequirement(part: string, text: string): Requirement {
  let m: RegExpMatchArray | null;
  if ((m = part.match(/^(\S+)\s+(in|notin)\s*\((.*)\)$/))) {
    const values = m[3]!.split(",").map((v) => checkValue(v.trim(), text));
    if (values.length === 0 || (values.length === 1 && values[0] === "")) throw new SelectorError(`'${part}' needs at least one value in its parentheses (selector '${text}')`);
    return { op: m[2] as "in" | "notin", key: checkKey(m[1]!, text), values };
  }
  if (/\s(in|notin)\b/.test(part)) throw new SelectorError(`'${part}': write set requirements as 'key in (a,b)' or 'key notin (a,b)' (selector '${text}')`);
  if ((m = part.match(/^([^=!]+)!=(.*)$/))) return { op: "neq", key: checkKey(m[1]!.trim(), text), value: checkValue(m[2]!.trim(), text) };
  if ((m = part.match(/^([^=!]+)==?(.*)$/))) return { op: "eq", key: checkKey(m[1]!.trim(), text), value: checkValue(m[2]!.trim(), text) };
  if (part.startsWith("!")) return { op: "absent", key: checkKey(part.slice(1).trim(), text) };
  return { op: "exists", key: checkKey(part, text) };
}

function checkKey(key: string, text: string): string {
  if (!KEY.test(key)) throw new SelectorError(`invalid label key '${key}' in selector '${text}'`);
  return key;
}

/** Label values are free text here (a manifest's labels are any strings); only the syntax's own characters are refused. */
function checkValue(value: string, text: string): string {
  if (/[(),]/.test(value)) throw new SelectorError(`invalid label value '${value}' in selector '${text}'`);
  return value;
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
      case "in":
        return has && r.values.includes(l[r.key]!);
      case "notin":
        return !has || !r.values.includes(l[r.key]!);
      case "exists":
        return has;
      case "absent":
        return !has;
    }
  });
}
