/**
 * @module The two ajv instances: one for the project's own kind schemas
 * (strict, so a typo in a schema fails loudly in tests) and one for schemas
 * users write in CustomResourceDefinitions (lenient about keywords ajv does
 * not know, as Kubernetes extensions often appear there).
 */
import { Ajv } from "ajv";
import { MISPLACED_KEYWORD, SHAPE_KEYWORD } from "./common.js";
import { ajvLinearRegExp } from "../linear-regex.js";

let builtin: Ajv | undefined;
let custom: Ajv | undefined;

export function builtinAjv(): Ajv {
  if (!builtin) {
    // verbose keeps parentSchema on each error: the sibling names for "did you mean".
    builtin = new Ajv({ allErrors: true, verbose: true, strict: true, strictTypes: false, strictRequired: false, allowUnionTypes: true });
    builtin.addKeyword({ keyword: MISPLACED_KEYWORD, schemaType: "object" });
    builtin.addKeyword({ keyword: SHAPE_KEYWORD, schemaType: "string" });
  }
  return builtin;
}

/** User schemas' `pattern`s run on a linear-time engine (linear-regex.ts): a manifest must not stall validation. */
export function customAjv(): Ajv {
  custom ??= new Ajv({ allErrors: true, verbose: true, strict: false, validateSchema: true, code: { regExp: ajvLinearRegExp } });
  return custom;
}
