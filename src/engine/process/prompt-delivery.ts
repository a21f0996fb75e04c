/**
 * @module How a rendered prompt reaches an agent process, per the Agent's
 * `promptDelivery`: `arg` (the `{prompt}` placeholder), `stdin`, `file`
 * (`{prompt_file}`) or `env`. Modes and names follow upstream design doc 18
 * (prompt delivery abstraction).
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

export type PromptDelivery = "arg" | "stdin" | "file" | "env";

export const PROMPT_DELIVERY_MODES: readonly PromptDelivery[] = ["arg", "stdin", "file", "env"];

/** Agents that do not say use `arg`, as upstream. */
export const DEFAULT_PROMPT_DELIVERY: PromptDelivery = "arg";

/** Environment variable carrying the prompt in `env` mode (upstream name). */
export const PROMPT_ENV_VAR = "ORCH_PROMPT";

/** Environment variable holding the prompt file's path in `file` mode. */
export const PROMPT_FILE_ENV_VAR = "ORCH_PROMPT_FILE";

/** Placeholder that receives the prompt file's path in `file` mode. */
export const PROMPT_FILE_PLACEHOLDER = "{prompt_file}";

/** Placeholder that receives the prompt in `arg` mode. */
export const PROMPT_PLACEHOLDER = "{prompt}";

/** Linux refuses a single environment string above 128 KiB (MAX_ARG_STRLEN). */
export const ENV_PROMPT_LIMIT_BYTES = 128 * 1024;

export interface PromptDeliveryInput {
  mode: PromptDelivery;
  prompt: string;
  /** The agent's command template, checked for misplaced placeholders. */
  commandTemplate: string;
  /** Directory for the prompt file in `file` mode, usually the task's log directory. */
  promptDir: string;
  /** Names the prompt file (`prompt_<runId>.txt`); letters, digits, `.`, `_`, `-`. */
  runId: string;
}

/** What the command renderer and `runProcess` need on top of the step's own values. */
export interface PreparedPromptDelivery {
  /**
   * Values for the command template's placeholders: `prompt` in `arg` mode,
   * `prompt_file` in `file` mode. Render them with `renderCommand`
   * (engine/shell-quote), which never lets the shell parse a value.
   */
  placeholders: Record<string, string>;
  /** Extra environment for the process (merge with the rendered command's env). */
  env: Record<string, string>;
  stdin?: string;
  /** Path of the written prompt file (`file` mode). */
  promptFile?: string;
  /** Things worth a log line or an event; none stops the run. */
  warnings: string[];
}

/**
 * Turns the prompt into placeholder values, env and stdin for one run,
 * writing the prompt file in `file` mode. Outside `arg` mode `{prompt}` gets
 * no value and stays as written, as upstream (with a warning).
 */
export async function preparePromptDelivery(input: PromptDeliveryInput): Promise<PreparedPromptDelivery> {
  const warnings = promptDeliveryWarnings(input.mode, input.commandTemplate);
  switch (input.mode) {
    case "arg":
      return { placeholders: { prompt: input.prompt }, env: {}, warnings };
    case "stdin":
      return { placeholders: {}, env: {}, stdin: input.prompt, warnings };
    case "env": {
      const bytes = Buffer.byteLength(input.prompt, "utf8");
      if (bytes > ENV_PROMPT_LIMIT_BYTES) {
        warnings.push(
          `prompt is ${bytes} bytes, over the ${ENV_PROMPT_LIMIT_BYTES}-byte limit for one environment variable; the process may fail to start (E2BIG); use promptDelivery: file or stdin`,
        );
      }
      return { placeholders: {}, env: { [PROMPT_ENV_VAR]: input.prompt }, warnings };
    }
    case "file": {
      const promptFile = await writePromptFile(input.promptDir, input.runId, input.prompt);
      return {
        placeholders: { prompt_file: promptFile },
        env: { [PROMPT_FILE_ENV_VAR]: promptFile },
        promptFile,
        warnings,
      };
    }
  }
}

/**
 * Misconfigurations worth a warning (as upstream preflight): `{prompt}` in a
 * command whose mode never substitutes it, `file` mode without `{prompt_file}`.
 * Usable at validation time on the command template.
 */
export function promptDeliveryWarnings(mode: PromptDelivery, command: string): string[] {
  const warnings: string[] = [];
  if (mode !== "arg" && command.includes(PROMPT_PLACEHOLDER)) {
    warnings.push(
      `command contains ${PROMPT_PLACEHOLDER} but promptDelivery is ${mode}; the placeholder is not substituted (remove it, or use promptDelivery: arg)`,
    );
  }
  if (mode === "file" && !command.includes(PROMPT_FILE_PLACEHOLDER)) {
    warnings.push(
      `promptDelivery is file but the command has no ${PROMPT_FILE_PLACEHOLDER}; the agent must read the path from $${PROMPT_FILE_ENV_VAR}`,
    );
  }
  return warnings;
}

export function isPromptDelivery(value: unknown): value is PromptDelivery {
  return typeof value === "string" && (PROMPT_DELIVERY_MODES as readonly string[]).includes(value);
}

async function writePromptFile(dir: string, runId: string, prompt: string): Promise<string> {
  if (!/^[A-Za-z0-9._-]+$/.test(runId) || runId.startsWith(".")) {
    throw new Error(`runId "${runId}" cannot name a prompt file; use letters, digits, ".", "_" or "-"`);
  }
  await mkdir(dir, { recursive: true });
  const path = join(dir, `prompt_${runId}.txt`);
  // Prompts can carry sensitive context: readable by the owner only.
  await writeFile(path, prompt, { encoding: "utf8", mode: 0o600 });
  return path;
}
