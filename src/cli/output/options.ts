/**
 * @module The flags of the output contract, added to a command in one call
 * so every listing spells them alike: `-o`, `--no-headers`, `--sort-by`,
 * and where they apply `-l/--selector` and `-w/--watch`. Parsed values
 * reach the command as a ListFlags (plus `selector`, `watch`).
 */
import { InvalidArgumentError, Option, type Command } from "commander";
import { parseSelector, SelectorError, type Requirement } from "../../resources/selector.js";
import { FormatError, outputOption, parseSortBy } from "./format.js";

export interface ListOptionSpec {
  /** Formats this command offers beyond the contract (`markdown`). */
  extra?: readonly string[];
  /** The default format; `table` unless the command's human form is another. */
  default?: string;
  /** `-l, --selector`: for things that carry labels. */
  selector?: boolean;
  /** `-w, --watch`: keep printing changes. */
  watch?: boolean;
}

/** Adds the listing flags to `cmd`. */
export function withListOptions(cmd: Command, spec: ListOptionSpec = {}): Command {
  cmd.addOption(outputOption(spec.extra ?? [], spec.default ?? "table"));
  cmd.option("--no-headers", "print tables and custom-columns without the header line");
  cmd.addOption(
    new Option("--sort-by <jsonpath>", "sort by the value at a JSONPath of each item's JSON (e.g. .metadata.name, {.status.phase})").argParser((v: string) => {
      try {
        parseSortBy(v);
        return v;
      } catch (err) {
        if (err instanceof FormatError) throw new InvalidArgumentError(err.message);
        throw err;
      }
    }),
  );
  if (spec.selector) cmd.addOption(selectorOption());
  if (spec.watch) cmd.option("-w, --watch", "after the list, print each change as it happens (Ctrl-C stops)");
  return cmd;
}

/** Adds `-o` to a command that shows one thing (its human form is text; `text` and `table` both name it). */
export function withShowOptions(cmd: Command, spec: { extra?: readonly string[] } = {}): Command {
  cmd.addOption(outputOption(spec.extra ?? [], "table"));
  return cmd;
}

/** `-l, --selector` parsed into requirements; a malformed selector is a usage error (exit 2). */
export function selectorOption(): Option {
  return new Option("-l, --selector <selector>", "label selector: k=v, k!=v, 'k in (a,b)', 'k notin (a,b)', k, !k; comma-joined").argParser((v: string): Requirement[] => {
    try {
      return parseSelector(v);
    } catch (err) {
      if (err instanceof SelectorError) throw new InvalidArgumentError(err.message);
      throw err;
    }
  });
}
