/**
 * @module A task's logs, live: a Server-Sent Events stream from the server
 * (`/api/v1/tasks/ID/logs/stream`) that sends each run as it starts and its
 * output as the agent writes it, secret values already masked as in
 * `task logs`. Output goes straight into the page's text nodes rather than
 * through rendering, so a chatty agent costs little. The view follows the
 * end of the output unless the person has scrolled up.
 */
import type { JSX } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { BASE, type Run } from "./api.js";

/** Lines of earlier output the page starts with; the rest is in `task logs`. */
const TAIL_LINES = 5000;

/** Text kept per run before the oldest output is dropped from the page. */
const MAX_CHARS_PER_RUN = 2_000_000;

export interface LogViewProps {
  taskId: string;
  /** Changes when the stream should start over (the task left a final phase). */
  generation: number;
  /** Called when the stream says the task or one of its runs changed. */
  onChange: () => void;
}

/** `==> step build [docs/qa/a.md] (run r-…, agent coder) <==`, as `task logs` heads each run. */
function headerText(run: Run): string {
  const item = run.item ? ` [${run.item}]` : "";
  const facts = [`run ${run.id}`];
  if (run.agent) facts.push(`agent ${run.agent}`);
  if (run.command?.startsWith("builtin:")) facts.push(`builtin ${run.command.slice("builtin:".length)}`);
  if (run.status !== "running") facts.push(`${run.status}${run.exitCode !== null ? ` (exit ${run.exitCode})` : ""}`);
  return `==> step ${run.parentStep ? `${run.parentStep}/` : ""}${run.step}${item} (${facts.join(", ")}) <==`;
}

export function LogView(props: LogViewProps): JSX.Element {
  const box = useRef<HTMLDivElement>(null);
  const [state, setState] = useState<"connecting" | "live" | "ended" | "reconnecting">("connecting");
  const onChange = useRef(props.onChange);
  onChange.current = props.onChange;

  useEffect(() => {
    const el = box.current!;
    let source: EventSource | undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let closed = false;
    let ended = false;
    const sections = new Map<string, { header: HTMLDivElement; pre: HTMLPreElement; chars: number }>();

    const atBottom = (): boolean => el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    const keepAtBottom = (was: boolean): void => {
      if (was) el.scrollTop = el.scrollHeight;
    };

    const section = (run: Run): { header: HTMLDivElement; pre: HTMLPreElement; chars: number } => {
      let s = sections.get(run.id);
      if (!s) {
        const wrap = document.createElement("div");
        wrap.className = "run-log";
        wrap.dataset["run"] = run.id;
        const header = document.createElement("div");
        header.className = "run-head";
        const pre = document.createElement("pre");
        wrap.append(header, pre);
        el.append(wrap);
        s = { header, pre, chars: 0 };
        sections.set(run.id, s);
      }
      s.header.textContent = headerText(run);
      s.header.dataset["status"] = run.status;
      return s;
    };

    const open = (): void => {
      setState("connecting");
      el.replaceChildren();
      sections.clear();
      source = new EventSource(`${BASE}/tasks/${encodeURIComponent(props.taskId)}/logs/stream?tail=${TAIL_LINES}`);
      source.addEventListener("open", () => setState("live"));
      source.addEventListener("run", (e) => {
        const was = atBottom();
        section(JSON.parse((e as MessageEvent<string>).data) as Run);
        keepAtBottom(was);
        onChange.current();
      });
      source.addEventListener("log", (e) => {
        const { run, text } = JSON.parse((e as MessageEvent<string>).data) as { run: string; text: string };
        const s = sections.get(run);
        if (!s) return;
        const was = atBottom();
        s.pre.append(document.createTextNode(text));
        s.chars += text.length;
        if (s.chars > MAX_CHARS_PER_RUN) {
          // Keep the newest output: drop whole text nodes from the start.
          while (s.chars > MAX_CHARS_PER_RUN * 0.8 && s.pre.firstChild) {
            s.chars -= s.pre.firstChild.textContent?.length ?? 0;
            s.pre.firstChild.remove();
          }
        }
        keepAtBottom(was);
      });
      source.addEventListener("task", () => onChange.current());
      source.addEventListener("end", () => {
        ended = true;
        source?.close();
        setState("ended");
        onChange.current();
      });
      source.addEventListener("error", () => {
        // The browser would reconnect and get the whole log again: start over ourselves, once, a moment later.
        source?.close();
        if (closed || ended) return;
        setState("reconnecting");
        retry = setTimeout(open, 2000);
      });
    };
    open();
    return () => {
      closed = true;
      source?.close();
      if (retry) clearTimeout(retry);
    };
  }, [props.taskId, props.generation]);

  return (
    <div class="logs-wrap">
      <div class="logs-state" data-test="log-state">
        {state === "live" ? "● live" : state === "ended" ? "task finished: all output shown" : state === "reconnecting" ? "connection lost; reconnecting…" : "connecting…"}
      </div>
      <div class="logs" ref={box} data-test="logs" />
    </div>
  );
}
