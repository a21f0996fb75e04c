/**
 * @module Manifest text for reconcile tests: small valid documents of the
 * kinds the tests move around.
 */
const V2 = "apiVersion: orchestrator.dev/v2";

export const agent = (name: string, command = "echo hi", extra = ""): string =>
  `${V2}\nkind: Agent\nmetadata:\n  name: ${name}\n${extra}spec:\n  capabilities: [x]\n  command: ${command}\n`;

export const workspace = (name: string): string =>
  `${V2}\nkind: Workspace\nmetadata:\n  name: ${name}\nspec:\n  root_path: "."\n  qa_targets: []\n  ticket_dir: t\n`;

export const workflow = (name: string, command = "echo build"): string =>
  `${V2}\nkind: Workflow\nmetadata:\n  name: ${name}\nspec:\n  steps:\n    - id: build\n      command: ${command}\n  loop:\n    mode: once\n`;

export const task = (name: string, goal = "do it", wf = "wf", ws = "ws"): string =>
  `${V2}\nkind: Task\nmetadata:\n  name: ${name}\nspec:\n  workflow: ${wf}\n  workspace: ${ws}\n  goal: ${goal}\n`;

export const trigger = (name: string, schedule = "0 * * * *", wf = "wf", ws = "ws"): string =>
  `${V2}\nkind: Trigger\nmetadata:\n  name: ${name}\nspec:\n  cron:\n    schedule: "${schedule}"\n  action:\n    workflow: ${wf}\n    workspace: ${ws}\n`;

export const secret = (name: string, value: string): string =>
  `${V2}\nkind: SecretStore\nmetadata:\n  name: ${name}\nspec:\n  data:\n    TOKEN: "${value}"\n`;

export const docs = (...texts: string[]): string => texts.join("---\n");
