#!/usr/bin/env node
/**
 * @module The `orchestrator` command line: verbs and nouns as kubectl has
 * them. Each command's module is imported only when that command runs, so
 * start-up stays lean.
 */
import { Argument, Command, CommanderError, Option } from "commander";
import { SecretKeyError, StoreVersionError } from "../store/errors.js";
import { CliError } from "./errors.js";
import { addHelpDetails } from "./help.js";
import { endQuietlyOnBrokenPipe, writeErr } from "./output/io.js";
import { readFileSync } from "node:fs";
import { COLOR_MODES, setColorMode, type ColorMode } from "./output/color.js";
import { outputOption as contractOutput, RESULT_FORMATS } from "./output/format.js";
import { withListOptions, withShowOptions } from "./output/options.js";

/** `-o` of a command that shows one thing, through the output contract. */
const showOutput = (): Option => contractOutput([], "table");

type Action = (...args: never[]) => Promise<void> | void;

/** Defers loading a command module until its action runs. */
function lazy(load: () => Promise<Record<string, unknown>>, name: string): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const mod = await load();
    await (mod[name] as Action)(...(args as never[]));
  };
}

/**
 * `-o` of a command whose human form is not a table (`text`, `markdown`):
 * its result in text, json, yaml or jsonpath= as the output contract prints
 * them; `name` where the command names what it touched (`apply`).
 */
const outputOption = (choices: string[], dflt = "text", named: readonly string[] = []): Option =>
  contractOutput(
    choices.filter((c) => !["table", "wide", "json", "yaml", "name", "text"].includes(c)),
    dflt,
    [...RESULT_FORMATS, ...named],
  );

/** The package's version, read only when `--version` is asked for. */
function packageVersionSync(): string {
  return (JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string }).version;
}

export function buildProgram(): Command {
  const program = new Command("orchestrator")
    .description("GitOps control plane for agent workflows")
    .showHelpAfterError("(run with --help for usage)")
    .configureHelp({ sortSubcommands: false })
    .exitOverride();

  // Options of every command: colour, and the version as other tools print it.
  program
    .addOption(new Option("--color <when>", "colour output: auto (a terminal, unless NO_COLOR; FORCE_COLOR forces it), always, never").choices(COLOR_MODES).default("auto"))
    .option("--version", "print the version and exit");
  program.on("option:color", (when: ColorMode) => setColorMode(when));
  program.on("option:version", () => {
    process.stdout.write(`orchestrator ${packageVersionSync()}\n`);
    process.exit(0);
  });

  program
    .command("init")
    .description("create the .orchestrator store in the current directory")
    .option("--store <url>", "keep the store in a PostgreSQL database several controllers share (postgres://user@host:port/db; also ORCHESTRATOR_STORE_URL)")
    .action(lazy(() => import("./commands/init.js"), "initCommand"));

  program
    .command("apply")
    .description("validate a manifest set and write it to the store in one transaction")
    .requiredOption("-f, --filename <path...>", "file, directory (recursive *.yaml, *.yml) or - for stdin")
    .option("--dry-run", "show what would change without writing")
    .option("--project <name>", "project for documents that name none")
    .option("--prune", "delete resources of the applied kinds that the set omits")
    .option("--no-daemon", "queue committed Tasks and Runs without starting a background controller")
    .addOption(outputOption(["text", "json"], "text", ["name"]))
    .action(lazy(() => import("./commands/apply.js"), "applyCommand"));

  const source = program.command("source").description("the directories and git remotes desired state comes from (Source resources)");
  source
    .command("add")
    .description("add a source: a directory, or a git remote followed at an interval (a Source resource applied by cli)")
    .argument("<name>", "source name")
    .option("--dir <path>", "directory of manifests (relative to the current directory)")
    .option("--git <url>", "git remote URL")
    .option("--ref <ref>", "branch, tag or commit (git; default: the remote's default branch)")
    .option("--path <path>", "directory inside the repository (git; default: the whole tree)")
    .option("--interval <duration>", "how often it is read again, e.g. 30s, 5m (default 1m)")
    .option("--project <name>", "project for documents that name none")
    .option("--no-prune", "never delete what the source no longer contains")
    .option("--webhook-secret <store>", "SecretStore whose values sign push notifications to the controller's /hooks/sources/NAME")
    .option("--export", "print the Source manifest (to commit) instead of adding it")
    .action(lazy(() => import("./commands/source.js"), "sourceAddCommand"));
  withListOptions(source.command("list").description("list sources with their readiness and applied revision"), { selector: true, watch: true }).action(
    lazy(() => import("./commands/source.js"), "sourceListCommand"),
  );
  source
    .command("remove")
    .description("remove a source (the resources it applied stay)")
    .argument("<name>", "source name")
    .action(lazy(() => import("./commands/source.js"), "sourceRemoveCommand"));
  withListOptions(
    source
      .command("status")
      .description("revisions applied and attempted, conditions and errors of sources")
      .argument("[name]", "source name (default: every source)"),
    { selector: true },
  ).action(lazy(() => import("./commands/source.js"), "sourceStatusCommand"));
  source
    .command("suspend")
    .description("stop reconciling a source until it is resumed (kept in the store: a sync does not undo it)")
    .argument("<name>", "source name")
    .action(lazy(() => import("./commands/source.js"), "sourceSuspendCommand"));
  source
    .command("resume")
    .description("reconcile a suspended source again")
    .argument("<name>", "source name")
    .action(lazy(() => import("./commands/source.js"), "sourceResumeCommand"));
  withShowOptions(
    source
      .command("tree")
      .description("what a source applied, and under each Source it applied, what that one applied (as flux tree)")
      .argument("<name>", "source name"),
  ).action(lazy(() => import("./commands/source.js"), "sourceTreeCommand"));

  program
    .command("sync")
    .description("reconcile sources now: fetch, validate, apply, prune, correct drift")
    .argument("[source...]", "source names (default: every source)")
    .option("--dry-run", "show what would change without writing")
    .option("--no-daemon", "queue committed Tasks and Runs without starting a background controller")
    .addOption(outputOption(["text", "json"], "text"))
    .action(lazy(() => import("./commands/sync.js"), "syncCommand"));

  program
    .command("diff")
    .description("show what applying would change (exit 0: nothing, 1: changes, 2: errors)")
    .argument("[source...]", "source names (default: every source)")
    .option("-f, --filename <path...>", "compare files against the store instead of sources")
    .option("--from <ref>", "compare two commits of this repository: the old side")
    .option("--to <ref>", "the new side (with --from)")
    .option("--path <path>", "directory inside the repository (with --from/--to; default manifests)")
    .option("--project <name>", "project for documents that name none (with -f)")
    .option("--prune", "show what apply --prune would delete (with -f)")
    .addOption(outputOption(["text", "markdown", "json"], "text"))
    .action(lazy(() => import("./commands/diff.js"), "diffCommand"));

  program
    .command("watch")
    .description("reconcile a directory on every save (default: the manifests/ source)")
    .argument("[path]", "directory to watch")
    .option("--debounce <duration>", "quiet time after a save before a pass, e.g. 50ms, 1s (a bare number is ms)", "50ms")
    .action(lazy(() => import("./commands/watch.js"), "watchCommand"));

  program
    .command("reconcile")
    .description("reconcile now and print the result: the running controller's pass, or without one a pass here (as sync)")
    .argument("[source]", "source name (default: every source)")
    .option("--timeout <duration>", "how long to wait for the controller's pass, e.g. 30s, 5m", "60s")
    .option("--no-daemon", "without a controller: queue committed Tasks and Runs without starting one")
    .addOption(outputOption(["text", "json"], "text"))
    .action(lazy(() => import("./commands/reconcile.js"), "reconcileCommand"));

  withListOptions(
    program
      .command("get")
      .description("list resources of a kind, or show some by name")
      .argument("<ref...>", "KIND [NAME...], KIND/NAME..., KIND,KIND... or all; kinds by singular, plural or short name (agents, wf, ws, ...)"),
    { selector: true, watch: true, extra: ["tree"] },
  )
    .option("--project <name>", "project to read", undefined)
    .option("-A, --all-projects", "list across every project")
    .action(lazy(() => import("./commands/get.js"), "getCommand"));

  program
    .command("describe")
    .description("show a resource with its metadata, origin and recent events")
    .argument("<ref...>", "KIND/NAME, or KIND NAME")
    .option("--project <name>", "project to read")
    .action(lazy(() => import("./commands/describe.js"), "describeCommand"));

  program
    .command("delete")
    .description("delete resources; asks for confirmation unless --force")
    .argument("<ref...>", "KIND/NAME... (or KIND NAME)")
    .option("--force", "delete without asking")
    .option("--dry-run", "show what would be deleted")
    .option("--project <name>", "project to delete from")
    .action(lazy(() => import("./commands/delete.js"), "deleteCommand"));

  const manifest = program.command("manifest").description("validate and export manifests");
  manifest
    .command("validate")
    .description("report errors and warnings of a manifest set without touching the store")
    .requiredOption("-f, --filename <path...>", "file, directory or - for stdin")
    .option("--project <name>", "project for documents that name none")
    .addOption(outputOption(["text", "json"], "text"))
    .action(lazy(() => import("./commands/manifest.js"), "validateCommand"));
  manifest
    .command("export")
    .description("print stored resources as manifests that apply takes back unchanged")
    .addOption(outputOption(["yaml", "json"], "yaml"))
    .option("--project <name>", "export one project (default: every project)")
    .option("--include-secrets", "include SecretStore resources with their values")
    .action(lazy(() => import("./commands/manifest.js"), "exportCommand"));

  program
    .command("check")
    .description("cross-reference the stored resources: capabilities, templates, profiles, stores, prehook variables")
    .option("--workflow <name>", "check one workflow")
    .option("--project <name>", "project to check", undefined)
    .addOption(outputOption(["text", "json"], "text"))
    .action(lazy(() => import("./commands/check.js"), "checkCommand"));

  program
    .command("schema")
    .description("print the JSON Schema of a kind (default: of any document), for editors and CI")
    .argument("[kind]", "kind: singular, plural or short name")
    .action(lazy(() => import("./commands/schema.js"), "schemaCommand"));

  program
    .command("explain")
    .description("print a kind's or field's type and meaning, as kubectl explain does")
    .argument("<kind.field.path>", "e.g. workflow, agent.spec.env, wf.spec.steps.prehook.when")
    .option("--recursive", "print every field below, names and types only")
    .option("--api-version <group/version>", "version of a CustomResourceDefinition's kind (default: its first served one)")
    .action(lazy(() => import("./commands/schema.js"), "explainCommand"));

  const preset = program.command("preset").description("ready-made Agent manifests for Claude Code, Codex CLI, Gemini CLI, OpenCode and the echo examples");
  withListOptions(
    preset.command("list").description("list presets with their agents, capabilities and the tool release each was written for"),
  ).action(lazy(() => import("./commands/preset.js"), "presetListCommand"));
  preset
    .command("show")
    .description("print a preset's manifests (to edit, commit, then apply)")
    .argument("<name>", "preset name")
    .action(lazy(() => import("./commands/preset.js"), "presetShowCommand"));
  preset
    .command("apply")
    .description("apply a preset's Agent manifests to the store")
    .argument("<name>", "preset name")
    .option("--project <name>", "project to apply them to")
    .option("--dry-run", "show what would change without writing")
    .action(lazy(() => import("./commands/preset.js"), "presetApplyCommand"));

  const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

  const task = program.command("task").description("create, follow and control tasks");
  task
    .command("create")
    .description("create a task from a workflow and queue it (starts a background controller if none runs)")
    .option("--name <name>", "a name for the task")
    .option("--goal <goal>", "what the task should achieve ({goal} in prompts)")
    .option("--workflow <name>", "workflow to run (default: the project's only workflow)")
    .option("--workspace <name>", "workspace to run in (default: the project's only workspace)")
    .option("--project <name>", "project")
    .option("--target-file <path>", "an item to work on (repeatable)", collect)
    .option("--step <id>", "run only this step (repeatable; workflow order is kept)", collect)
    .option("--set <key=value>", "pipeline variable (repeatable)", collect)
    .option("--no-start", "create the task without queueing it")
    .option("--no-daemon", "do not start a background controller")
    .addOption(outputOption(["text", "json"], "text", ["name"]))
    .action(lazy(() => import("./commands/task-create.js"), "taskCreateCommand"));
  // Further `task` subcommands are added to this group below.
  withListOptions(task.command("list").description("list tasks, oldest first (of every project unless --project is given)"), { watch: true })
    .option("--status <phase>", "only tasks in this phase: pending, running, paused, completed, failed, cancelled")
    .option("--project <name>", "only tasks of this project")
    .option("--parent <id>", "only the tasks this task's steps spawned (spawn_task, spawn_tasks)")
    .action(lazy(() => import("./commands/task-list.js"), "taskListCommand"));
  withListOptions(task.command("items").description("list a task's items with their status").argument("<id>", "task id, unique id prefix or name"), { watch: true })
    .option("--project <name>", "look the task up in this project")
    .action(lazy(() => import("./commands/task-items.js"), "taskItemsCommand"));
  withShowOptions(task.command("info").description("show a task: status, items, steps and runs").argument("<id>", "task id, unique id prefix or name"))
    .option("--project <name>", "look the task up in this project")
    .action(lazy(() => import("./commands/task-info.js"), "taskInfoCommand"));
  task
    .command("logs")
    .description("print a task's step logs in run order")
    .argument("<id>", "task id, unique id prefix or name")
    .option("-f, --follow", "keep printing new output until the task finishes or is paused")
    .option("--tail <n>", "print only the last N lines of the task's output")
    .option("--timestamps", "prefix each line with its run's start time (lines written while following: the time they were read)")
    .option("--project <name>", "look the task up in this project")
    .action(lazy(() => import("./commands/task-logs.js"), "taskLogsCommand"));
  task
    .command("watch")
    .description("a live view of a task's phase and steps until it finishes")
    .argument("<id>", "task id, unique id prefix or name")
    .option("--project <name>", "look the task up in this project")
    .action(lazy(() => import("./commands/task-watch.js"), "taskWatchCommand"));
  task
    .command("start")
    .description("queue a task created with --no-start")
    .argument("[id]", "task id, unique id prefix or name")
    .option("--latest", "start the most recently created task")
    .option("--project <name>", "look the task up in this project")
    .option("--no-daemon", "do not start a background controller")
    .action(lazy(() => import("./commands/task-control.js"), "taskStartCommand"));
  task
    .command("pause")
    .description("pause a task and stop its running steps; resume it later")
    .argument("<id>", "task id, unique id prefix or name")
    .option("--project <name>", "look the task up in this project")
    .action(lazy(() => import("./commands/task-control.js"), "taskPauseCommand"));
  task
    .command("resume")
    .description("queue a paused or failed task again; it continues where it stopped")
    .argument("<id>", "task id, unique id prefix or name")
    .option("--reset-blocked", "set blocked items back to pending")
    .option("--project <name>", "look the task up in this project")
    .option("--no-daemon", "do not start a background controller")
    .action(lazy(() => import("./commands/task-control.js"), "taskResumeCommand"));
  task
    .command("retry")
    .description("run one item of a task again (the item's id is in `task info`)")
    .argument("<item-id>", "item id, or a unique prefix of one")
    .option("--no-daemon", "do not start a background controller")
    .action(lazy(() => import("./commands/task-control.js"), "taskRetryCommand"));
  task
    .command("recover")
    .description("mark a task's unfinished runs interrupted, stop their processes and queue it again")
    .argument("<id>", "task id, unique id prefix or name")
    .option("--project <name>", "look the task up in this project")
    .option("--no-daemon", "do not start a background controller")
    .action(lazy(() => import("./commands/task-control.js"), "taskRecoverCommand"));
  task
    .command("delete")
    .description("delete task records (their events stay); refuses without --force")
    .argument("[id...]", "task ids, unique id prefixes or names")
    .option("--all", "delete every task (narrow with --status and --project)")
    .option("--status <phase>", "with --all: only tasks in this phase")
    .option("--project <name>", "only tasks of this project")
    .option("--force", "delete without asking")
    .action(lazy(() => import("./commands/task-control.js"), "taskDeleteCommand"));
  withShowOptions(
    task.command("trace").description("a timeline of a task's cycles, steps and runs, flagging failures, timeouts and skips, with the tasks it spawned").argument("<id>", "task id, unique id prefix or name"),
  )
    .addOption(new Option("--json", "the old spelling of -o json").hideHelp())
    .option("--project <name>", "look the task up in this project")
    .action(lazy(() => import("./commands/task-trace.js"), "taskTraceCommand"));

  const wfStore = program.command("store").description("read and write workflow stores (WorkflowStore entries) steps share across tasks");
  wfStore
    .command("get")
    .description("print an entry's value (a string as its text, anything else as JSON); exit 1 when the key is absent")
    .argument("<store>", "store name")
    .argument("<key>", "key")
    .option("-p, --project <name>", "project (default: default)")
    .addOption(contractOutput(["value"], "value", ["json", "yaml"]))
    .action(lazy(() => import("./commands/store.js"), "storeGetCommand"));
  wfStore
    .command("put")
    .description("write an entry: a value that parses as JSON is stored as JSON, any other as a string; checked against the store's schema")
    .argument("<store>", "store name")
    .argument("<key>", "key")
    .argument("<value>", "the value, or - to read it from stdin")
    .option("-t, --task-id <id>", "record the entry as written by this task")
    .option("-p, --project <name>", "project (default: default)")
    .action(lazy(() => import("./commands/store.js"), "storePutCommand"));
  wfStore
    .command("list")
    .alias("ls")
    .description("list a store's entries, newest first (without a store: the project's stores)")
    .argument("[store]", "store name")
    .option("-l, --limit <n>", "at most this many entries", "100")
    .option("--offset <n>", "skip this many entries first", "0")
    .option("-t, --task-id <id>", "only entries this task wrote")
    .option("-p, --project <name>", "project (default: default)")
    .addOption(contractOutput([], "table", ["table", "json", "yaml"]))
    .action(lazy(() => import("./commands/store.js"), "storeListCommand"));
  wfStore
    .command("delete")
    .alias("rm")
    .description("delete an entry; exit 1 when the key is absent")
    .argument("<store>", "store name")
    .argument("<key>", "key")
    .option("-p, --project <name>", "project (default: default)")
    .action(lazy(() => import("./commands/store.js"), "storeDeleteCommand"));
  wfStore
    .command("prune")
    .description("remove the entries the store's retention does not keep (beyond max_entries, older than the TTL)")
    .argument("<store>", "store name")
    .option("-p, --project <name>", "project (default: default)")
    .action(lazy(() => import("./commands/store.js"), "storePruneCommand"));
  const agent = program.command("agent").alias("ag").description("agents' scheduling state and health: list, cordon, uncordon, drain");
  withListOptions(
    agent
      .command("list")
      .alias("ls")
      .description("agents with their state (active, cordoned, draining, drained) and health: success rate, consecutive failures, load, last error"),
  )
    .option("--project <name>", "project to list (default: default)")
    .option("-A, --all-projects", "list the agents of every project")
    .action(lazy(() => import("./commands/agent.js"), "agentListCommand"));
  agent
    .command("cordon")
    .description("give the agent no new step (the steps it runs go on); kept across restarts")
    .argument("<name>", "agent name")
    .option("--project <name>", "project of the agent")
    .action(lazy(() => import("./commands/agent.js"), "agentCordonCommand"));
  agent
    .command("uncordon")
    .description("make a cordoned, draining or drained agent schedulable again")
    .argument("<name>", "agent name")
    .option("--project <name>", "project of the agent")
    .action(lazy(() => import("./commands/agent.js"), "agentUncordonCommand"));
  agent
    .command("drain")
    .description("cordon the agent and wait for its running steps; with --timeout, end those still running then")
    .argument("<name>", "agent name")
    .option("--timeout <duration>", "how long to wait before ending its steps: seconds, or 30s, 5m (default: wait until they finish)")
    .option("--project <name>", "project of the agent")
    .action(lazy(() => import("./commands/agent.js"), "agentDrainCommand"));

  const secret = program.command("secret").description("secrets: the keys the store seals them with, and SecretStore values encrypted in a repository");
  secret
    .command("encrypt")
    .description("encrypt a file's SecretStore values in place as ENC[age,...], for committing (keys, comments and valueFrom references are kept)")
    .requiredOption("-f, --filename <file>", "the manifest file to rewrite")
    .option("--recipient <age1...>", "an age recipient to encrypt for (repeatable; default: the public key of this repository's age key)", collect)
    .action(lazy(() => import("./commands/secret-encrypt.js"), "secretEncryptCommand"));
  secret
    .command("age-keygen")
    .description("create the age key the controller decrypts ENC[age,...] values with (.orchestrator/age.key) and print its public key")
    .option("-o, --output <file>", "write the key here instead")
    .action(lazy(() => import("./commands/secret-encrypt.js"), "secretAgeKeygenCommand"));
  const secretKey = secret.command("key").description("the keys SecretStore values are sealed with in the store");
  secretKey
    .command("status")
    .description("the active key, how many values it sealed, and any rotation that did not finish")
    .addOption(outputOption(["text", "json"], "text"))
    .action(lazy(() => import("./commands/secret-key.js"), "secretKeyStatusCommand"));
  withListOptions(secretKey.command("list").alias("ls").description("every key with its state (active, pending, retired, revoked) and the values sealed with it")).action(lazy(() => import("./commands/secret-key.js"), "secretKeyListCommand"));
  secretKey
    .command("rotate")
    .description("re-seal every SecretStore value with a new key in one transaction; the old key is retired")
    .option("--resume", "finish a rotation whose process stopped before it completed")
    .action(lazy(() => import("./commands/secret-key.js"), "secretKeyRotateCommand"));
  secretKey
    .command("revoke")
    .description("destroy a retired key's file, so it can never decrypt again")
    .argument("<key-id>", "key id (k1, k2, ...)")
    .option("--force", "revoke even though values are still sealed with it (they become unreadable)")
    .action(lazy(() => import("./commands/secret-key.js"), "secretKeyRevokeCommand"));
  withListOptions(secretKey.command("history").description("who created, rotated and revoked keys, and when"))
    .option("-n, --limit <n>", "the newest N entries")
    .option("--key-id <id>", "only entries about this key")
    .action(lazy(() => import("./commands/secret-key.js"), "secretKeyHistoryCommand"));

  const trigger = program.command("trigger").alias("tg").description("operate Triggers: suspend, resume, fire now");
  trigger
    .command("suspend")
    .description("stop a trigger from firing (kept in the store; a sync does not undo it)")
    .argument("<name>", "trigger name")
    .option("--project <name>", "project of the trigger")
    .action(lazy(() => import("./commands/trigger.js"), "triggerSuspendCommand"));
  trigger
    .command("resume")
    .description("let a trigger suspended with `trigger suspend` fire again (missed firings are not replayed)")
    .argument("<name>", "trigger name")
    .option("--project <name>", "project of the trigger")
    .action(lazy(() => import("./commands/trigger.js"), "triggerResumeCommand"));
  trigger
    .command("fire")
    .description("fire a trigger once now and print the task it created (also when suspended; with or without a controller)")
    .argument("<name>", "trigger name")
    .option("--payload <json>", "a JSON object: the task's payload_* variables, as a webhook body gives them")
    .option("--project <name>", "project of the trigger")
    .option("--no-daemon", "do not start a background controller")
    .addOption(outputOption(["text", "json"], "text", ["name"]))
    .action(lazy(() => import("./commands/trigger.js"), "triggerFireCommand"));

  const event = program.command("event").description("the store's event history");
  withListOptions(
    event
      .command("list")
      .description("list events, newest last: task and step lifecycle (one run_result per step execution), resource changes, sources and triggers")
      .option("--task <id>", "only events of this task (an id, prefix or name; a deleted task's full id)")
      .option("--type <type>", "only events of this type (task_created, step_started, run_result, ...)")
      .option("--for <kind/name>", "only events about this resource (agent/coder, source/default), as kubectl events --for")
      .option("--project <name>", "project of --for's resource (default: default), or only events of this project")
      .option("--limit <n>", "show at most the newest N events", "50"),
    { watch: true },
  ).action(lazy(() => import("./commands/event.js"), "eventListCommand"));

  program
    .command("run")
    .description("run a workflow (or one step template) now and follow its logs; exit 0 when it completes, 1 when it fails, 3 when it is paused")
    .option("--workflow <name>", "workflow to run")
    .option("--template <name>", "run one StepTemplate with no workflow")
    .option("--agent-capability <capability>", "capability of the agent for --template")
    .option("--profile <name>", "execution profile for --template")
    .option("--workspace <name>", "workspace to run in")
    .option("--project <name>", "project")
    .option("--goal <goal>", "goal ({goal} in prompts)")
    .option("--target-file <path>", "an item to work on (repeatable)", collect)
    .option("--step <id>", "run only this step (repeatable)", collect)
    .option("--set <key=value>", "pipeline variable (repeatable)", collect)
    .option("--detach", "print the run's id and return; the controller runs it")
    .option("--no-daemon", "do not start a background controller (for --detach, or for the tasks its steps spawn)")
    .addOption(outputOption(["text", "json"], "text", ["name"]))
    .action(lazy(() => import("./commands/run.js"), "runCommand"));

  const controller = program
    .command("controller")
    .description("run the controller: executes queued tasks (and follows sources)")
    .option("--workers <n>", "tasks run at once", "4")
    .option("--foreground", "run in this process instead of starting a background one")
    .option("--ui-bind <host:port>", "where the web view listens, or none (default 127.0.0.1:19091; ORCHESTRATOR_UI_BIND)")
    .option("--ui-token-file <file>", "a file holding the token the web view requires (needed for a non-loopback --ui-bind; ORCHESTRATOR_UI_TOKEN_FILE)")
    .option("--webhook-bind <addr>", "HTTP listener for webhooks and source push notifications: HOST:PORT or none (default 127.0.0.1:19090, or ORCHESTRATOR_WEBHOOK_BIND)")
    .action(lazy(() => import("./commands/controller.js"), "controllerCommand"));
  controller
    .command("status")
    .description("whether a controller runs for this store")
    .addOption(showOutput())
    .action(lazy(() => import("./commands/controller.js"), "controllerStatusCommand"));
  controller
    .command("stop")
    .description("stop the running controller (SIGTERM) and wait for it to exit")
    .option("--timeout <duration>", "how long to wait, e.g. 30s, 2m (a bare number is seconds)", "30s")
    .action(lazy(() => import("./commands/controller.js"), "controllerStopCommand"));

  program
    .command("ui")
    .description("serve the web view of this store in this process, with or without a controller, until Ctrl-C")
    .option("--bind <host:port>", "where to listen (default 127.0.0.1:19091; port 0 picks a free one)")
    .option("--token-file <file>", "a file holding the token requests must carry (needed for a non-loopback --bind)")
    .action(lazy(() => import("./commands/ui.js"), "uiCommand"));

  const db = program.command("db").description("inspect the store (state.db, or the PostgreSQL database)");
  db.command("status")
    .description("store file, schema version and counts")
    .addOption(showOutput())
    .action(lazy(() => import("./commands/db.js"), "dbStatusCommand"));
  withListOptions(db.command("migrations").description("schema migrations").command("list").description("list migrations and when each was applied")).action(lazy(() => import("./commands/db.js"), "migrationsListCommand"));
  db.command("migrate")
    .description("move this home's SQLite store (state.db) into an empty PostgreSQL database and use it from now on")
    .requiredOption("--to <url>", "the PostgreSQL database: postgres://user@host:port/database (the password in ~/.pgpass or PGPASSWORD)")
    .option(
      "--dry-run [server]",
      "make every check and the copy in a PostgreSQL transaction that is rolled back, print what would be copied, write nothing (=server: the same; =client is not offered: the checks need the database)",
    )
    .addOption(outputOption(["text", "json"], "text"))
    .action(lazy(() => import("./commands/db-migrate.js"), "dbMigrateCommand"));

  program
    .command("completion")
    .description("print a shell completion script (commands, flags, kinds and names from the store)")
    .addArgument(new Argument("<shell>", "the shell to complete for").choices(["bash", "zsh", "fish", "powershell"]))
    .action(lazy(() => import("./commands/completion.js"), "completionCommand"));
  // What the completion script calls on every TAB: `orchestrator complete -- WORDS...`.
  program
    .command("complete", { hidden: true })
    .argument("[words...]")
    .helpOption(false)
    .allowUnknownOption()
    .action(lazy(() => import("./commands/completion.js"), "completeCommand"));

  program
    .command("version")
    .description("print the version")
    .option("--client", "the client's version (the only one: the controller runs this package)")
    .addOption(showOutput())
    .addOption(new Option("--json", "the old spelling of -o json").hideHelp())
    .action(lazy(() => import("./commands/version.js"), "versionCommand"));

  addHelpDetails(program);
  return program;
}

/**
 * Started as `orchestratord` (which runs `controller --foreground`): help and
 * errors name the program the user typed, not `orchestrator controller`.
 */
function nameAsDaemon(program: Command): void {
  program.name("orchestratord");
  const controller = program.commands.find((c) => c.name() === "controller");
  controller?.configureHelp({ ...controller.configureHelp(), commandUsage: () => "orchestratord [options]" });
}

export async function main(argv: string[]): Promise<number> {
  endQuietlyOnBrokenPipe();
  const program = buildProgram();
  if (/(^|\/)orchestratord(\.js)?$/.test(argv[1] ?? "")) nameAsDaemon(program);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version output are not failures.
      if (err.code === "commander.helpDisplayed" || err.code === "commander.help" || err.code === "commander.version") return 0;
      return 2;
    }
    if (err instanceof CliError) {
      writeErr(`error: ${err.message}\n`);
      return err.exitCode;
    }
    // A store this process cannot read (a key missing or revoked, a newer schema) or a shared store
    // that cannot be reached (its message names it, without the password): the user's to act on, never a stack.
    if (err instanceof SecretKeyError || err instanceof StoreVersionError || (err instanceof Error && err.name === "StoreConnectionError")) {
      writeErr(`error: ${err.message}\n`);
      return 1;
    }
    writeErr(`error: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}

const code = await main(process.argv);
process.exitCode = code;
