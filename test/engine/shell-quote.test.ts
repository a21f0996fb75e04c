import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CommandTemplateError, renderCommand } from "../../src/engine/shell-quote.js";

/** Values that would run code if pasted into a shell command unquoted. */
const NASTY: Record<string, string> = {
  singleQuote: "it's a 'quoted' word",
  doubleQuote: 'say "hi" and "; touch PWNED; "',
  commandSubstitution: "$(touch PWNED)",
  backticks: "`touch PWNED`",
  breakOut: "'; touch PWNED; '",
  breakOutDouble: '"; touch PWNED; echo "',
  newlines: "line one\nline two\n; touch PWNED\n",
  backslashes: "back\\slash \\n \\\\ \\' \\\"",
  bang: "bang!! !$ !-1 !touch",
  ifs: "${IFS}touch${IFS}PWNED",
  glob: "* ? [a-z]*",
  spaces: "  leading  and   trailing  ",
  dashN: "-n",
  selfReference: "{prompt} {goal}",
  unicode: "héllo wörld 🎉 — ✓",
  dollarBrace: "${HOME} $HOME $$ $0",
  semicolons: "a; touch PWNED && touch PWNED || touch PWNED | tee PWNED",
  redirect: "> PWNED < /etc/passwd 2>&1",
  empty: "",
};

/** Shell templates, and what `out` must hold given the value `v`. */
const TEMPLATES: Array<{ name: string; template: string; expected: (v: string) => string; bashOnly?: boolean }> = [
  { name: "single quoted", template: "printf '%s' '{prompt}' > out", expected: (v) => v },
  { name: "double quoted", template: 'printf \'%s\' "{prompt}" > out', expected: (v) => v },
  { name: "bare", template: "printf %s {prompt} > out", expected: (v) => v },
  { name: "glued to text", template: "printf %s pre{prompt}post > out", expected: (v) => `pre${v}post` },
  { name: "inside a single-quoted sentence", template: "printf '%s' 'Task: {prompt} (done)' > out", expected: (v) => `Task: ${v} (done)` },
  { name: "inside a double-quoted sentence", template: 'printf %s "Task: {prompt}, go" > out', expected: (v) => `Task: ${v}, go` },
  { name: "echo in double quotes", template: 'echo "{prompt}" > out', expected: (v) => `${v}\n` },
  {
    name: "inside $(...)",
    template: 'printf %s "$(printf %s {prompt})" > out',
    expected: (v) => v.replace(/\n+$/, ""),
  },
  {
    name: "inside backticks",
    template: "printf %s \"`printf %s '{prompt}'`\" > out",
    expected: (v) => v.replace(/\n+$/, ""),
  },
  { name: "unquoted here-document", template: "cat > out <<EOF\nsay: {prompt}\nEOF\n", expected: (v) => `say: ${v}\n` },
  { name: "parameter default", template: 'printf %s "${ORCH_UNSET_FOR_TEST:-{prompt}}" > out', expected: (v) => v },
  { name: "two placeholders", template: "printf '%s|%s' '{prompt}' \"{goal}\" > out", expected: (v) => `${v}|goal:${v}` },
  {
    name: "apostrophe in a comment",
    template: "printf %s {prompt} > out # don't trip on {prompt}",
    expected: (v) => v,
  },
  { name: "ansi-c quote", template: "printf %s $'x\\t{prompt}' > out", expected: (v) => `x\t${v}`, bashOnly: true },
  {
    name: "string test in [[ ]]",
    template: 'if [[ -n "{prompt}" && {prompt} == "{prompt}" ]]; then printf %s "{prompt}" > out; else printf %s empty > out; fi',
    expected: (v) => (v === "" ? "empty" : v),
    bashOnly: true,
  },
  { name: "arithmetic next to it", template: "printf '%s:%s' $((1 + 2)) '{prompt}' > out", expected: (v) => `3:${v}` },
];

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "orch-shell-quote-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function run(shell: string, template: string, value: string): { out: string | undefined; pwned: boolean; status: number | null; stderr: string } {
  const { command, env } = renderCommand(template, { prompt: value, goal: `goal:${value}` });
  const result = spawnSync(shell, ["-c", command], {
    cwd: dir,
    // HOME is the temp dir so no rc file of the machine running the tests is read.
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, ...env },
    encoding: "utf8",
  });
  const outFile = join(dir, "out");
  const out = existsSync(outFile) ? readFileSync(outFile, "utf8") : undefined;
  const pwned = existsSync(join(dir, "PWNED"));
  rmSync(outFile, { force: true });
  rmSync(join(dir, "PWNED"), { force: true });
  return { out, pwned, status: result.status, stderr: result.stderr };
}

describe("renderCommand run by a real shell", () => {
  for (const shell of ["/bin/sh", "/bin/bash"]) {
    describe(shell, () => {
      for (const tpl of TEMPLATES) {
        if (tpl.bashOnly && shell === "/bin/sh") continue;
        it(`${tpl.name}: every nasty value arrives as exact text and runs nothing`, () => {
          for (const [valueName, value] of Object.entries(NASTY)) {
            // echo's own option and escape handling (-n, dash's \n) is not quoting.
            if (tpl.template.startsWith("echo") && (value.includes("\\") || value.startsWith("-"))) continue;
            const r = run(shell, tpl.template, value);
            expect(r.stderr, valueName).toBe("");
            expect(r.status, valueName).toBe(0);
            expect(r.pwned, valueName).toBe(false);
            expect(r.out, valueName).toBe(tpl.expected(value));
          }
        });
      }
    });
  }
});

describe("renderCommand output", () => {
  it("never puts a value into the command text", () => {
    const { command, env } = renderCommand("claude -p '{prompt}' --goal \"{goal}\" {prompt}", {
      prompt: "'; touch PWNED; '",
      goal: "$(touch PWNED)",
    });
    expect(command).not.toContain("PWNED");
    expect(command).toBe(`claude -p ''"\${ORCH_P_0}"'' --goal "\${ORCH_P_1}" "\${ORCH_P_0}"`);
    expect(env).toEqual({ ORCH_P_0: "'; touch PWNED; '", ORCH_P_1: "$(touch PWNED)" });
  });

  it("leaves placeholders without a value, JSON braces and ${VAR} untouched", () => {
    const template = `echo '{"confidence":0.9,"note":"cycle {cycle}"}' {unknown} \${HOME}`;
    const { command, env } = renderCommand(template, { cycle: "3" });
    expect(command).toBe(`echo '{"confidence":0.9,"note":"cycle '"\${ORCH_P_0}"'"}' {unknown} \${HOME}`);
    expect(env).toEqual({ ORCH_P_0: "3" });
  });

  it("renders the corpus-style echo agent to the same JSON with the cycle filled in", () => {
    const { command, env } = renderCommand(`echo '{"confidence":0.88,"description":"cycle {cycle}"}' > out`, { cycle: "2" });
    spawnSync("/bin/sh", ["-c", command], { cwd: dir, env: { PATH: process.env.PATH, ...env } });
    expect(JSON.parse(readFileSync(join(dir, "out"), "utf8"))).toEqual({ confidence: 0.88, description: "cycle 2" });
  });

  it("keeps a backslash-escaped placeholder literal", () => {
    const { command, env } = renderCommand("printf %s \\{prompt}", { prompt: "x" });
    expect(command).toBe("printf %s \\{prompt}");
    expect(env).toEqual({});
  });

  it("drops NUL bytes, which no process environment can carry", () => {
    expect(renderCommand("echo {prompt}", { prompt: "a\0b" }).env).toEqual({ ORCH_P_0: "ab" });
  });

  it("rejects a placeholder in a quoted here-document, where it could never expand", () => {
    expect(() => renderCommand("cat <<'EOF'\n{prompt}\nEOF\n", { prompt: "x" })).toThrow(CommandTemplateError);
    expect(() => renderCommand("cat <<'EOF'\n{prompt}\nEOF\n", { prompt: "x" })).toThrow(/quoted here-document/);
  });

  it("copies a quoted here-document without placeholders verbatim", () => {
    const template = "cat <<'EOF'\nit's {other}\nEOF\necho {prompt}";
    const { command } = renderCommand(template, { prompt: "x" });
    expect(command).toBe("cat <<'EOF'\nit's {other}\nEOF\necho \"${ORCH_P_0}\"");
  });

  it("rejects placeholders where bash would evaluate the value as arithmetic", () => {
    for (const template of [
      "echo $(( {prompt} + 1 ))",
      'echo "$(( {prompt} ))"',
      "(( {prompt} > 3 )) && echo big",
      "echo $[ {prompt} ]",
      "let n={prompt}",
      "x=1; let n=x+{prompt}",
      "[[ {prompt} -eq 1 ]] && echo one",
      'v=abc; echo "${v:{prompt}}"',
      "echo ${arr[{prompt}]}",
    ]) {
      expect(() => renderCommand(template, { prompt: "a[$(touch PWNED)]" }), template).toThrow(CommandTemplateError);
    }
    expect(() => renderCommand("echo $(( {prompt} ))", { prompt: "1" })).toThrow(/arithmetic expression/);
  });

  it("rejects placeholders that bash would read as a variable name, whose array subscript it evaluates", () => {
    for (const template of [
      "read {prompt}",
      "read -r line {prompt}",
      "echo x | read -p '{prompt}' answer",
      "read 2>&1 {prompt}",
      "x=$(read {prompt})",
      "if read {prompt}; then :; fi",
      "printf -v {prompt} %s x",
      "[[ -v {prompt} ]] && echo set",
      "[ -v {prompt} ] && echo set",
      'test -v "{prompt}"',
      "declare -i n={prompt}",
      "typeset -i n={prompt}",
      "local -n ref={prompt}",
      "declare {prompt}=1",
      "a[{prompt}]=1",
      "unset {prompt}",
      "mapfile {prompt} < /dev/null",
      "for (( i={prompt}; i < 3; i++ )); do :; done",
    ]) {
      expect(() => renderCommand(template, { prompt: "a[$(touch PWNED)]" }), template).toThrow(CommandTemplateError);
    }
    expect(() => renderCommand("read {prompt}", { prompt: "x" })).toThrow(/arguments of read/);
  });

  it("each refused context would run the value's command under bash if it were allowed", () => {
    // What the refusal prevents: the same commands with the value in the environment, run by bash.
    for (const template of ['read "$V" <<< x', 'printf -v "$V" %s x', '[[ -v "$V" ]]', 'declare -i n="$V"', 'let n="$V"']) {
      const r = spawnSync("/bin/bash", ["-c", template], { cwd: dir, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, V: "a[$(touch PWNED)]" }, encoding: "utf8" });
      expect(existsSync(join(dir, "PWNED")), `${template}: ${r.stderr}`).toBe(true);
      rmSync(join(dir, "PWNED"), { force: true });
    }
  });

  it("still allows values as data next to those commands, and they run nothing under bash or dash", () => {
    const value = "a[$(touch PWNED)]";
    for (const shell of ["/bin/sh", "/bin/bash"]) {
      for (const template of ["printf -v x %s {prompt} 2>/dev/null; printf %s {prompt} > out", 'X="{prompt}"; export X; printf %s "$X" > out', "printf %s {prompt} | { read -r line; printf %s \"$line\" > out; }"]) {
        const r = run(shell, template, value);
        expect(r.pwned, `${shell}: ${template}`).toBe(false);
        expect(r.out, `${shell}: ${template}: ${r.stderr}`).toBe(value);
      }
    }
  });

  it("rejects an unterminated quote with a message naming it", () => {
    expect(() => renderCommand("echo 'oops {prompt}", { prompt: "x" })).toThrow(/unterminated single quote/);
    expect(() => renderCommand('echo "oops', {})).toThrow(/unterminated double quote/);
  });
});
