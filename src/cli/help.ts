/**
 * @module The part of every command's `--help` below its options: examples,
 * and the environment variables it reads. Kept as data beside the program
 * so a new command gets its lines here (a test checks that every command
 * has both).
 */
import type { Command } from "commander";

/** Examples by command path (`task logs`), each `command  # what it does`. */
export const EXAMPLES: Readonly<Record<string, readonly string[]>> = {
  "": ["orchestrator init && orchestrator apply -f manifests/", "orchestrator run --workflow hello-world --goal world", "orchestrator get agents"],
  init: ["orchestrator init                     # .orchestrator/ in the current directory", "ORCHESTRATOR_HOME=/srv/orch orchestrator init", "orchestrator init --store postgres://orchestrator@db.internal:5432/orchestrator   # a store several hosts share"],
  apply: ["orchestrator apply -f manifests/", "orchestrator apply -f agent.yaml --dry-run", "orchestrator get agent coder -o yaml | orchestrator apply -f -", "orchestrator apply -f manifests/ --prune   # also delete what the set omits"],
  source: ["orchestrator source add upstream --git https://example.com/team/agents.git --path manifests", "orchestrator source list"],
  "source add": [
    "orchestrator source add local --dir manifests",
    "orchestrator source add upstream --git https://example.com/team/agents.git --ref main --path manifests --interval 5m",
    "orchestrator source add infra --git https://example.com/team/infra.git --interval 10m --webhook-secret infra-push   # push notifications reconcile at once",
  ],
  "source list": ["orchestrator source list", "orchestrator source list -o yaml > sources.yaml   # commit them", "orchestrator source list -w"],
  "source remove": ["orchestrator source remove upstream"],
  "source status": ["orchestrator source status", "orchestrator source status upstream -o json"],
  "source suspend": ["orchestrator source suspend upstream   # stop following it; what it applied stays"],
  "source resume": ["orchestrator source resume upstream"],
  "source tree": ["orchestrator source tree upstream", "orchestrator source tree default -o json"],
  sync: ["orchestrator sync", "orchestrator sync upstream --dry-run"],
  diff: [
    "orchestrator diff                        # what a sync would change",
    "orchestrator diff -f manifests/          # files against the store",
    "orchestrator diff --from origin/main --to HEAD -o markdown > comment.md",
    "ORCHESTRATOR_EXTERNAL_DIFF='diff -ru' orchestrator diff -f manifests/",
  ],
  watch: ["orchestrator watch", "orchestrator watch manifests/ --debounce 200"],
  reconcile: ["orchestrator reconcile", "orchestrator reconcile upstream --timeout 2m -o json"],
  get: [
    "orchestrator get agents",
    "orchestrator get wf plan-execute -o yaml",
    "orchestrator get agents,workflows -l 'team in (platform,web)' -A",
    "orchestrator get all --sort-by .metadata.name --no-headers",
    "orchestrator get agents -o jsonpath='{range .items[*]}{.metadata.name}{\"\\n\"}{end}'",
    "orchestrator get runs -o custom-columns=NAME:.metadata.name,PHASE:.status.phase -w",
  ],
  describe: ["orchestrator describe agent/coder", "orchestrator describe workflow plan-execute --project web"],
  delete: ["orchestrator delete agent/old-coder --dry-run", "orchestrator delete project/web --force"],
  manifest: ["orchestrator manifest validate -f manifests/", "orchestrator manifest export > backup.yaml"],
  "manifest validate": ["orchestrator manifest validate -f manifests/", "cat agent.yaml | orchestrator manifest validate -f - -o json"],
  "manifest export": ["orchestrator manifest export > backup.yaml", "orchestrator manifest export --project web -o json"],
  check: ["orchestrator check", "orchestrator check --workflow plan-execute -o json"],
  schema: ["orchestrator schema agent > agent.schema.json", "orchestrator schema > orchestrator.schema.json   # any kind, chosen by `kind`"],
  explain: ["orchestrator explain workflow", "orchestrator explain wf.spec.steps.prehook", "orchestrator explain agent.spec --recursive"],
  preset: ["orchestrator preset list", "orchestrator preset show claude-code > manifests/claude.yaml"],
  "preset list": ["orchestrator preset list", "orchestrator preset list -o json"],
  "preset show": ["orchestrator preset show codex", "orchestrator preset show claude-code > manifests/claude.yaml"],
  "preset apply": ["orchestrator preset apply claude-code", "orchestrator preset apply gemini-cli --project web --dry-run"],
  task: ["orchestrator task create --workflow plan-execute --goal 'add a --verbose flag'", "orchestrator task list", "orchestrator task logs -f TASK"],
  "task create": ["orchestrator task create --workflow plan-execute --goal 'add a --verbose flag'", "orchestrator task create --name nightly --workflow qa --set branch=main --no-start"],
  "task list": ["orchestrator task list", "orchestrator task list --status failed -o wide"],
  "task info": ["orchestrator task info nightly", "orchestrator task info 3f2a -o json"],
  "task logs": ["orchestrator task logs nightly", "orchestrator task logs -f --timestamps nightly", "orchestrator task logs --tail 50 nightly"],
  "task items": ["orchestrator task items nightly", "orchestrator task items nightly -o json"],
  "task watch": ["orchestrator task watch nightly"],
  "task start": ["orchestrator task start nightly", "orchestrator task start --latest"],
  "task pause": ["orchestrator task pause nightly"],
  "task resume": ["orchestrator task resume nightly", "orchestrator task resume nightly --reset-blocked"],
  "task retry": ["orchestrator task retry 9c1e"],
  "task recover": ["orchestrator task recover nightly"],
  "task delete": ["orchestrator task delete nightly --force", "orchestrator task delete --all --status completed --force"],
  "task trace": ["orchestrator task trace nightly", "orchestrator task trace nightly --json"],
  event: ["orchestrator event list", "orchestrator event list --task nightly --type run_result"],
  "event list": ["orchestrator event list --limit 20", "orchestrator event list --task nightly -o json", "orchestrator event list --for agent/coder -w"],
  run: [
    "orchestrator run --workflow plan-execute --goal 'add a --verbose flag'",
    "orchestrator run --workflow qa --step qa --set branch=main",
    "orchestrator run --template plan --agent-capability plan --goal 'rewrite the login form'",
    "orchestrator run --workflow plan-execute --detach",
  ],
  controller: [
    "orchestrator controller                  # start in the background",
    "orchestrator controller --foreground --workers 2",
    "orchestratord",
    "orchestrator controller --ui-bind 0.0.0.0:19091 --ui-token-file ui-token   # the web view for other machines, with a token",
    "orchestratord --webhook-bind 127.0.0.1:8080   # webhooks and push notifications on another port",
    "orchestratord --webhook-bind none",
  ],
  "controller status": ["orchestrator controller status", "orchestrator controller status -o json"],
  "controller stop": ["orchestrator controller stop", "orchestrator controller stop --timeout 60"],
  db: ["orchestrator db status", "orchestrator db migrations list", "orchestrator db migrate --to postgres://orchestrator@db.internal:5432/orchestrator"],
  "db status": ["orchestrator db status", "orchestrator db status -o json"],
  "db migrations": ["orchestrator db migrations list"],
  "db migrations list": ["orchestrator db migrations list -o json"],
  "db migrate": [
    "orchestrator db migrate --to postgres://orchestrator@db.internal:5432/orchestrator --dry-run   # check, count, write nothing",
    "orchestrator controller stop && orchestrator db migrate --to postgres://orchestrator@db.internal:5432/orchestrator",
    "orchestrator db migrate --to postgres://orchestrator@db.internal:5432/orchestrator -o json",
  ],
  completion: [
    "source <(orchestrator completion bash)                     # bash, this shell",
    "orchestrator completion bash > /etc/bash_completion.d/orchestrator",
    "orchestrator completion zsh > \"${fpath[1]}/_orchestrator\"",
    "orchestrator completion fish > ~/.config/fish/completions/orchestrator.fish",
  ],
  store: ["orchestrator store list", "orchestrator store put metrics baseline '{\"p95_ms\": 120}'", "orchestrator store get metrics baseline -o json"],
  "store get": ["orchestrator store get metrics baseline", "orchestrator store get metrics baseline -o json --project web"],
  "store put": ["orchestrator store put metrics baseline '{\"p95_ms\": 120}'", "echo 'all green' | orchestrator store put notes last-run -", "orchestrator store put metrics baseline 118 --task-id 3f2a"],
  "store list": ["orchestrator store list                # the project's stores", "orchestrator store list metrics --limit 20 --offset 20", "orchestrator store ls metrics --task-id 3f2a -o json"],
  "store delete": ["orchestrator store delete metrics baseline", "orchestrator store rm metrics baseline --project web"],
  "store prune": ["orchestrator store prune metrics"],
  ui: [
    "orchestrator ui                          # the web view on http://127.0.0.1:19091/",
    "orchestrator ui --bind 127.0.0.1:0       # on a free port",
    "orchestrator ui --bind 0.0.0.0:8080 --token-file ui-token",
  ],
  version: ["orchestrator version", "orchestrator version --client -o json", "orchestrator --version"],
  trigger: ["orchestrator trigger fire nightly-qa", "orchestrator trigger suspend nightly-qa", "orchestrator get triggers"],
  "trigger suspend": ["orchestrator trigger suspend nightly-qa", "orchestrator trigger suspend deploy --project web"],
  "trigger resume": ["orchestrator trigger resume nightly-qa"],
  "trigger fire": ["orchestrator trigger fire nightly-qa", "orchestrator trigger fire github-push --payload '{\"ref\":\"refs/heads/main\"}'", "orchestrator trigger fire nightly-qa -o json --no-daemon"],
  agent: ["orchestrator agent list", "orchestrator agent drain coder --timeout 5m", "orchestrator agent uncordon coder"],
  "agent list": ["orchestrator agent list", "orchestrator agent list -A -o json"],
  "agent cordon": ["orchestrator agent cordon coder", "orchestrator agent cordon reviewer --project web"],
  "agent uncordon": ["orchestrator agent uncordon coder"],
  "agent drain": ["orchestrator agent drain coder                # wait for its running steps", "orchestrator agent drain coder --timeout 5m   # end those still running after 5 minutes"],
  secret: ["orchestrator secret age-keygen", "orchestrator secret encrypt -f manifests/secrets.yaml", "orchestrator secret key rotate"],
  "secret encrypt": ["orchestrator secret encrypt -f manifests/secrets.yaml", "orchestrator secret encrypt -f manifests/secrets.yaml --recipient age1...   # for another controller's key"],
  "secret age-keygen": ["orchestrator secret age-keygen                 # .orchestrator/age.key; prints the public key", "orchestrator secret age-keygen -o /etc/orchestrator/age.key"],
  "secret key": ["orchestrator secret key status", "orchestrator secret key rotate", "orchestrator secret key history"],
  "secret key status": ["orchestrator secret key status", "orchestrator secret key status -o json"],
  "secret key list": ["orchestrator secret key list", "orchestrator secret key list -o json"],
  "secret key rotate": ["orchestrator secret key rotate", "orchestrator secret key rotate --resume   # finish a rotation that was interrupted"],
  "secret key revoke": ["orchestrator secret key revoke k1"],
  "secret key history": ["orchestrator secret key history", "orchestrator secret key history -n 10 --key-id k2 -o json"],
};

const HOME_VAR = "ORCHESTRATOR_HOME      the .orchestrator folder to use (default: the nearest one in this or a parent directory)";
const NO_DAEMON_VAR = "ORCHESTRATOR_NO_DAEMON set (1, true) to never start a background controller, as --no-daemon";
const NO_COLOR_VAR = "NO_COLOR               set to print without colour (colour is used only on a terminal); FORCE_COLOR colours a pipe too; --color wins over both";
const PROGRESS_VAR = "ORCHESTRATOR_PROGRESS_DELAY  how long a pass runs on a terminal before a progress line shows on stderr (default 2s)";
const GIT_VARS = "GIT_SSH_COMMAND, GIT_ASKPASS and other git settings of the environment apply to git sources; GIT_DIR and the like are ignored";
const EXTERNAL_DIFF_VAR = "ORCHESTRATOR_EXTERNAL_DIFF  a command run on two directories of per-resource YAML (old, new) instead of the built-in diff, as KUBECTL_EXTERNAL_DIFF";
const UI_VARS = [
  "ORCHESTRATOR_UI_BIND   where the web view listens when --ui-bind is not given (HOST:PORT or none)",
  "ORCHESTRATOR_UI_TOKEN_FILE  the web view's token file when --ui-token-file is not given",
];
const WEBHOOK_BIND_VAR = "ORCHESTRATOR_WEBHOOK_BIND  the HTTP listener's address when --webhook-bind is not given (HOST:PORT or none)";
const AGE_KEY_VAR = "ORCHESTRATOR_AGE_KEY_FILE  the age identity that decrypts ENC[age,...] SecretStore values (default .orchestrator/age.key)";
const STORE_VARS = "ORCHESTRATOR_STORE_URL a PostgreSQL URL to keep the store in, over the home's store-url (init --store); PGPASSWORD, ~/.pgpass and other libpq variables apply";
const LEASE_VAR = "ORCHESTRATOR_LEASE_MS  on a PostgreSQL store, how long a controller's lease lasts unrenewed (default 15000): a dead controller's tasks are taken over within it";
const OPTIONAL_HOME_VAR = "ORCHESTRATOR_HOME      the store whose CustomResourceDefinitions are known too (optional)";

/** Commands that need no store; the ones that may read one say so. */
const NO_STORE: Readonly<Record<string, readonly string[]>> = {
  version: [],
  "preset list": [],
  "preset show": [],
  preset: [],
  schema: [OPTIONAL_HOME_VAR],
  explain: [OPTIONAL_HOME_VAR],
  "manifest validate": [OPTIONAL_HOME_VAR],
  completion: ["ORCHESTRATOR_HOME      the store resource names are completed from (at TAB time)"],
};

const COLOURED = new Set(["diff", "task trace", "task watch"]);
const GIT = new Set(["sync", "diff", "controller", "reconcile", "source add", "source"]);
/** Commands that run the apply pipeline (which decrypts ENC[age,...] values) or read the age key. */
const AGE = new Set(["apply", "sync", "diff", "watch", "controller", "secret encrypt", "secret age-keygen"]);
const PROGRESS = new Set(["apply", "sync", "diff", "manifest validate"]);

/** The environment variables a command reads. */
export function environmentOf(path: string, command: Command): string[] {
  if (path === "") return [HOME_VAR, NO_DAEMON_VAR, NO_COLOR_VAR, EXTERNAL_DIFF_VAR, STORE_VARS];
  const vars = [...(NO_STORE[path] ?? [HOME_VAR])];
  if (command.options.some((o) => o.long === "--no-daemon")) vars.push(NO_DAEMON_VAR);
  if (COLOURED.has(path)) vars.push(NO_COLOR_VAR);
  if (path === "diff") vars.push(EXTERNAL_DIFF_VAR);
  if (PROGRESS.has(path)) vars.push(PROGRESS_VAR);
  if (GIT.has(path)) vars.push(GIT_VARS);
  if (path === "controller") vars.push(...UI_VARS);
  if (AGE.has(path)) vars.push(AGE_KEY_VAR);
  if (path === "controller") vars.push(WEBHOOK_BIND_VAR);
  if (!(path in NO_STORE)) vars.push(STORE_VARS);
  if (path === "controller") vars.push(LEASE_VAR);
  return vars;
}

/** Space-separated path of a command below the program: `task logs`. */
export function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(" ");
}

/** Adds examples and environment variables below the options of every command (hidden ones excepted). */
export function addHelpDetails(program: Command): void {
  const visit = (command: Command): void => {
    const path = commandPath(command);
    const examples = EXAMPLES[path];
    const env = environmentOf(path, command);
    const parts: string[] = [];
    if (examples?.length) parts.push(["Examples:", ...examples.map((e) => `  ${e}`)].join("\n"));
    parts.push(["Environment:", ...(env.length ? env : ["(none read)"]).map((e) => `  ${e}`)].join("\n"));
    if (parts.length) command.addHelpText("after", `\n${parts.join("\n\n")}`);
    for (const sub of command.createHelp().visibleCommands(command)) if (sub.name() !== "help") visit(sub);
  };
  visit(program);
}
