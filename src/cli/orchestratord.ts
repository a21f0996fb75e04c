#!/usr/bin/env node
/**
 * @module `orchestratord`: the controller as its own executable, the same as
 * `orchestrator controller --foreground [--workers N]`.
 */
process.argv.splice(2, 0, "controller", "--foreground");
await import("./main.js");
