/**
 * @module RuntimePolicy spec: runner, resume and observability settings.
 * The project does not act on any of them yet, so their insides stay open.
 */
import { loose, object, type KindSpec } from "./common.js";

export const runtimePolicy: KindSpec = { schema: object({ runner: loose, resume: loose, observability: loose }) };
