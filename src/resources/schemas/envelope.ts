/**
 * @module The envelope every document shares: metadata's shape and the rule
 * for names (letters, digits, '-', '_', '.', starting with a letter or digit,
 * at most 253 characters).
 */
import { describe, object, SHAPE_KEYWORD, string, stringMap, type SchemaObject } from "./common.js";

export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
export const NAME_MAX_LENGTH = 253;

export const metadataSchema: SchemaObject = object({
  name: describe(string, "The resource's name, unique per kind and project: letters, digits, '-', '_' and '.', starting with a letter or digit, at most 253 characters."),
  project: describe(string, "The project the resource belongs to (default: the --project flag, else 'default'). Ignored on cluster-wide kinds (Project, CustomResourceDefinition)."),
  // PostgreSQL text cannot hold U+0000; a description is text for people, so it is refused here rather than failing the write.
  description: describe({ type: "string", pattern: "^[^\\u0000]*$", [SHAPE_KEYWORD]: "text without a NUL byte (\\0)" }, "Free text, shown by `describe`."),
  labels: describe(stringMap, "String key-value pairs, selected with `get -l key=value`. Quote numbers: tier: \"1\"."),
  annotations: describe(stringMap, "Free-form string notes for people and tools."),
}, {
  misplaced: { namespace: "project", label: "labels", annotation: "annotations" },
  description: "Name, project, labels and annotations of a resource.",
});

/** Why a name is not valid, or undefined when it is. */
export function nameProblem(name: string): string | undefined {
  if (name.length === 0) return "must not be empty";
  if (name.length > NAME_MAX_LENGTH) return `is ${name.length} characters long; the limit is ${NAME_MAX_LENGTH}`;
  if (!/^[A-Za-z0-9]/.test(name)) return "must start with a letter or digit";
  const bad = [...name].find((c) => !/[A-Za-z0-9._-]/.test(c));
  if (bad !== undefined) return `contains ${JSON.stringify(bad)}; only letters, digits, '-', '_' and '.' are allowed`;
  return NAME_PATTERN.test(name) ? undefined : "is not a valid name";
}
