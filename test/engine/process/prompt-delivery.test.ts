import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  ENV_PROMPT_LIMIT_BYTES,
  PROMPT_ENV_VAR,
  PROMPT_FILE_ENV_VAR,
  isPromptDelivery,
  preparePromptDelivery,
  promptDeliveryWarnings,
} from "../../../src/engine/process/prompt-delivery.js";
import { runProcess } from "../../../src/engine/process/run-process.js";
import { renderCommand } from "../../../src/engine/shell-quote.js";

const hostile = "fix it'; rm -rf ~; echo '$(whoami) `id` \"quoted\"\nsecond line";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "orch prompt "));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The engine's path: prepare delivery, render the template with its placeholders, run. */
async function deliverAndRun(mode: "arg" | "stdin" | "env" | "file", commandTemplate: string) {
  const prepared = await preparePromptDelivery({
    mode,
    prompt: hostile,
    commandTemplate,
    promptDir: join(dir, "logs"),
    runId: "run-1",
  });
  const rendered = renderCommand(commandTemplate, prepared.placeholders);
  const result = await runProcess({
    command: rendered.command,
    env: { ...rendered.env, ...prepared.env },
    stdin: prepared.stdin,
    cwd: dir,
    logPath: join(dir, "step.log"),
  });
  return { prepared, result };
}

describe("preparePromptDelivery", () => {
  it("stdin: the agent reads the prompt verbatim on stdin", async () => {
    const { prepared, result } = await deliverAndRun("stdin", "cat");
    expect(prepared.placeholders).toEqual({});
    expect(prepared.env).toEqual({});
    expect(result.stdoutTail).toBe(hostile);
  });

  it(`env: the agent reads the prompt from $${PROMPT_ENV_VAR}`, async () => {
    const { prepared, result } = await deliverAndRun("env", `printf %s "$${PROMPT_ENV_VAR}"`);
    expect(Object.keys(prepared.env)).toEqual([PROMPT_ENV_VAR]);
    expect(prepared.stdin).toBeUndefined();
    expect(result.stdoutTail).toBe(hostile);
  });

  it("file: {prompt_file} receives the path of a private file holding the prompt", async () => {
    // The temp dir name has a space: the path must reach cat as one word.
    const { prepared, result } = await deliverAndRun("file", "cat {prompt_file}");
    expect(prepared.promptFile).toBe(join(dir, "logs", "prompt_run-1.txt"));
    expect(prepared.placeholders).toEqual({ prompt_file: prepared.promptFile });
    expect(prepared.env[PROMPT_FILE_ENV_VAR]).toBe(prepared.promptFile);
    expect(result.exitCode).toBe(0);
    expect(result.stdoutTail).toBe(hostile);
    expect(statSync(prepared.promptFile!).mode & 0o777).toBe(0o600);
  });

  it("file: the path is also exported for agents without a placeholder", async () => {
    const { prepared, result } = await deliverAndRun("file", `cat "$${PROMPT_FILE_ENV_VAR}"`);
    expect(result.stdoutTail).toBe(hostile);
    expect(prepared.warnings.join("\n")).toContain("no {prompt_file}");
  });

  it("arg: {prompt} receives the prompt, which reaches the agent as one argument of plain text", async () => {
    const { prepared, result } = await deliverAndRun("arg", "printf %s {prompt}");
    expect(prepared.placeholders).toEqual({ prompt: hostile });
    expect(prepared.stdin).toBeUndefined();
    expect(prepared.warnings).toEqual([]);
    expect(result.stdoutTail).toBe(hostile);
  });

  it("outside arg mode {prompt} stays as written, with a warning", async () => {
    const { prepared, result } = await deliverAndRun("env", "printf %s {prompt}");
    expect(result.stdoutTail).toBe("{prompt}");
    expect(prepared.warnings[0]).toContain("promptDelivery is env");
  });

  it("warns when the prompt is too large for an environment variable", async () => {
    const prepared = await preparePromptDelivery({
      mode: "env",
      prompt: "x".repeat(ENV_PROMPT_LIMIT_BYTES + 1),
      commandTemplate: "agent",
      promptDir: dir,
      runId: "r",
    });
    expect(prepared.warnings.join("\n")).toContain("use promptDelivery: file or stdin");
  });

  it("rejects a runId that could escape the prompt directory", async () => {
    await expect(
      preparePromptDelivery({
        mode: "file",
        prompt: "p",
        commandTemplate: "cat {prompt_file}",
        promptDir: dir,
        runId: "../x",
      }),
    ).rejects.toThrow(/cannot name a prompt file/);
  });
});

describe("promptDeliveryWarnings", () => {
  it("warns about {prompt} in a mode that does not substitute it", () => {
    expect(promptDeliveryWarnings("stdin", "agent -p {prompt}")[0]).toContain("promptDelivery is stdin");
    expect(promptDeliveryWarnings("arg", "agent -p {prompt}")).toEqual([]);
  });

  it("warns about file mode without {prompt_file}", () => {
    expect(promptDeliveryWarnings("file", "agent")).toHaveLength(1);
    expect(promptDeliveryWarnings("file", "agent --prompt-file {prompt_file}")).toEqual([]);
  });
});

describe("isPromptDelivery", () => {
  it("accepts the four upstream modes only", () => {
    expect(["arg", "stdin", "file", "env"].every(isPromptDelivery)).toBe(true);
    expect(isPromptDelivery("pipe")).toBe(false);
  });
});
