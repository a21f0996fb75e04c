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
  /** `--set key=value` and the Task's `vars`. */
  setVars?: Readonly<Record<string, string>>;
  /** Captured pipeline variables (task scope merged with item scope). */
  pipelineVars?: Readonly<Record<string, string>>;
  /** The step's own `step_vars`. */
  stepVars?: Readonly<Record<string, string>>;
}

/**
 * All variables, later layers winning: `--set` vars, captured pipeline vars,
 * `{<id>_output}`, the step's `step_vars`, then the built-ins, which always
 * win so `{goal}` or `{cycle}` mean the same thing in every prompt.
 */
export function pipelineVariables(ctx: PromptContext): Record<string, string> {
  const vars: Record<string, string> = { ...ctx.setVars, ...ctx.pipelineVars };
  for (const [stepId, output] of Object.entries(ctx.stepOutputs ?? {})) vars[`${stepId}_output`] = output;
  Object.assign(vars, ctx.stepVars, builtinVariables(ctx));
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
    cycle: String(ctx.cycle),
    workspace: ctx.workspace,
    project: ctx.project,
    workflow: ctx.workflow,
    prev_stdout: ctx.prevStdout ?? "",
    prev_stderr: ctx.prevStderr ?? "",
  };
}
