/**
 * @module The pipeline variables a prompt or command can reference, built
 * from the task, the item, the cycle and what earlier steps produced.
 */

export interface PromptItem {
  id: string;
  /** Item path relative to the workspace root (`{rel_path}`). */
  relPath: string;
  /** `{qa_file_path}`; defaults to `relPath`. */
  qaFilePath?: string;
  ticketPaths?: readonly string[];
  /** `{item_label}`: a generated item's label. */
  label?: string;
}

export interface PromptContext {
  taskId: string;
  goal: string;
  cycle: number;
  workspace: string;
  project: string;
  workflow: string;
  /** Absolute workspace root (`{workspace_root}`). */
  workspaceRoot: string;
  /** `{source_tree}`; defaults to the workspace root. */
  sourceTree?: string;
  diff?: string;
  ticketDir?: string;
  planOutputPath?: string;
  /** Absent for task-scoped steps: the item variables are then empty. */
  item?: PromptItem;
  prevStdout?: string;
  prevStderr?: string;
  /** Output of earlier steps by step id, offered as `{<id>_output}`. */
  stepOutputs?: Readonly<Record<string, string>>;
  /** Task-scope pipeline variables: `--set key=value`, the Task's `vars`, then what task steps captured. */
  setVars?: Readonly<Record<string, string>>;
  /**
   * Names the task was given with `--set` or its `spec.vars`: the task's own
   * variables, which win over the built-in of the same name.
   */
  ownNames?: readonly string[];
  /** Captured pipeline variables (task scope merged with item scope). */
  pipelineVars?: Readonly<Record<string, string>>;
  /** The step's own `step_vars`. */
  stepVars?: Readonly<Record<string, string>>;
}

/**
 * All variables, later layers winning: the task's variables (`--set`, Task
 * `vars`, task captures), the item's captures, `{<id>_output}`, the step's
 * `step_vars`, then the built-ins, so `{goal}` or `{cycle}` mean the same
 * thing in every prompt. A name the task was given with `--set` or
 * `spec.vars` is the task's own: the built-in of that name gives way to it
 * (`--set ticket_paths=docs/ticket/T-1.md` is what `{ticket_paths}` says).
 */
export function pipelineVariables(ctx: PromptContext): Record<string, string> {
  const vars: Record<string, string> = { ...ctx.setVars, ...ctx.pipelineVars };
  for (const [stepId, output] of Object.entries(ctx.stepOutputs ?? {})) vars[`${stepId}_output`] = output;
  const builtins = builtinVariables(ctx);
  for (const name of ctx.ownNames ?? []) if (name in vars || (ctx.stepVars !== undefined && name in ctx.stepVars)) delete builtins[name];
  Object.assign(vars, ctx.stepVars, builtins);
  return vars;
}

function builtinVariables(ctx: PromptContext): Record<string, string> {
  const item = ctx.item;
  return {
    goal: ctx.goal,
    source_tree: ctx.sourceTree ?? ctx.workspaceRoot,
    workspace_root: ctx.workspaceRoot,
    diff: ctx.diff ?? "",
    rel_path: item?.relPath ?? "",
    qa_file_path: item ? (item.qaFilePath ?? item.relPath) : "",
    plan_output_path: ctx.planOutputPath ?? "",
    ticket_paths: (item?.ticketPaths ?? []).join(" "),
    ticket_dir: ctx.ticketDir ?? "",
    task_id: ctx.taskId,
    task_item_id: item?.id ?? "",
    item_label: item?.label ?? "",
    cycle: String(ctx.cycle),
    workspace: ctx.workspace,
    project: ctx.project,
    workflow: ctx.workflow,
    prev_stdout: ctx.prevStdout ?? "",
    prev_stderr: ctx.prevStderr ?? "",
  };
}
