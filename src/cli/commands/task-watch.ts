/**
 * @module `orchestrator task watch ID`: a live view of a task until it
 * reaches a terminal phase. On a terminal the panel is redrawn every 500 ms;
 * otherwise (a pipe, a CI log) a line is printed for each change.
 */
import { openTaskStore } from "../../store/task-store.js";
import { withStore } from "../context.js";
import { CliError } from "../errors.js";
import { useColor, writeOut } from "../output/io.js";
import { changeLines, renderPanel, type WatchSnapshot, type WatchState } from "../output/task-watch-panel.js";
import { isTerminalPhase, resolveTaskRef } from "./task-select.js";

export interface TaskWatchOptions {
  project?: string;
}

const TTY_REFRESH_MS = 500;
/** Without a terminal nothing is redrawn, so changes can be looked for more often. */
const LINE_POLL_MS = 250;

/** Cursor home, then clear to the end of the screen: redraws without scrolling. */
const REDRAW = "\u001b[H\u001b[J";

export async function taskWatchCommand(ref: string, opts: TaskWatchOptions): Promise<void> {
  await withStore(async ({ store }) => {
    const tasks = openTaskStore(store);
    const first = resolveTaskRef(tasks, ref, opts.project === undefined ? {} : { project: opts.project });
    const tty = process.stdout.isTTY === true;
    const colour = useColor();
    let state: WatchState = new Map();
    for (;;) {
      const task = tasks.getTask(first.id);
      if (!task) throw new CliError(`task ${first.id} was deleted while watching it`);
      const snapshot: WatchSnapshot = { task, items: tasks.listItems(task.id), runs: tasks.listRuns(task.id) };
      if (tty) {
        writeOut(REDRAW + renderPanel(snapshot, colour));
      } else {
        const changed = changeLines(state, snapshot, new Date().toISOString());
        state = changed.state;
        if (changed.lines.length) writeOut(changed.lines.join("\n") + "\n");
      }
      if (isTerminalPhase(task.phase)) return;
      await new Promise((r) => setTimeout(r, tty ? TTY_REFRESH_MS : LINE_POLL_MS));
    }
  });
}
