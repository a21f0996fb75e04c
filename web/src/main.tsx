/**
 * @module The web view's page: a header with the sections and the project
 * shown, the controller's state, and the page for the current path.
 */
import { render, type JSX } from "preact";
import { useEffect } from "preact/hooks";
import "./style.css";
import { getJson, query, type ControllerStatus } from "./api.js";
import { Link } from "./components.js";
import { usePolled } from "./hooks.js";
import { AgentsPage } from "./pages/agents.js";
import { EventsPage } from "./pages/events.js";
import { ResourcePage } from "./pages/resource.js";
import { ResourcesPage } from "./pages/resources.js";
import { SourcePage } from "./pages/source.js";
import { SourcesPage } from "./pages/sources.js";
import { TaskPage } from "./pages/task.js";
import { TasksPage } from "./pages/tasks.js";
import { TriggersPage } from "./pages/triggers.js";
import { match, navigate, useLocation } from "./router.js";

const SECTIONS: Array<{ path: string; label: string }> = [
  { path: "/tasks", label: "Tasks" },
  { path: "/resources", label: "Resources" },
  { path: "/sources", label: "Sources" },
  { path: "/triggers", label: "Triggers" },
  { path: "/agents", label: "Agents" },
  { path: "/events", label: "Events" },
];

function ProjectPicker(props: { project: string }): JSX.Element {
  const projects = usePolled((signal) => getJson<{ items: string[] }>("/projects", signal), "projects", 30_000);
  const choose = (value: string): void => {
    const q = new URLSearchParams(location.search);
    if (value) q.set("project", value);
    else q.delete("project");
    q.delete("offset");
    const s = q.toString();
    navigate(`${location.pathname}${s ? `?${s}` : ""}`);
  };
  const names = projects.data?.items ?? [];
  return (
    <label class="picker">
      <span>Project</span>
      <select value={props.project} onChange={(e) => choose((e.target as HTMLSelectElement).value)} aria-label="project">
        <option value="">all projects</option>
        {names.map((p) => (
          <option key={p} value={p}>
            {p}
          </option>
        ))}
        {props.project && !names.includes(props.project) && <option value={props.project}>{props.project}</option>}
      </select>
    </label>
  );
}

function ControllerBadge(): JSX.Element {
  const status = usePolled((signal) => getJson<ControllerStatus>("/controller", signal), "controller", 5000);
  const s = status.data;
  if (!s) return <span class="controller muted">controller …</span>;
  return (
    <span class={`controller ${s.running ? "ok" : "idle"}`} title={s.running ? `pid ${s.pid} on ${s.hostname}, since ${s.since}` : "no controller runs for this store: queued tasks wait"} data-test="controller">
      {s.running ? `controller running · ${s.runningTasks} running, ${s.queuedTasks} queued` : `no controller · ${s.queuedTasks} queued`}
    </span>
  );
}

/** The browser tab's title for a path: what the page shows, then the product. */
function titleOf(path: string): string {
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  const section = SECTIONS.find((s) => s.path === `/${parts[0] ?? ""}`)?.label;
  const what = parts.length > 1 ? parts.slice(1).join("/") : section;
  return what ? `${what} · orchestrator` : "orchestrator";
}

function Page(props: { path: string; project: string }): JSX.Element {
  const { path, project } = props;
  let m: Record<string, string> | null;
  if ((m = match("/tasks/:id", path))) return <TaskPage id={m["id"]!} />;
  if (match("/tasks", path)) return <TasksPage project={project} />;
  if ((m = match("/resources/:kind/:name", path))) return <ResourcePage kind={m["kind"]!} name={m["name"]!} project={project} />;
  if (match("/resources", path)) return <ResourcesPage project={project} />;
  if ((m = match("/sources/:name", path))) return <SourcePage name={m["name"]!} />;
  if (match("/sources", path)) return <SourcesPage />;
  if (match("/triggers", path)) return <TriggersPage project={project} />;
  if (match("/agents", path)) return <AgentsPage project={project} />;
  if (match("/events", path)) return <EventsPage />;
  return (
    <main>
      <h1>Not found</h1>
      <p>
        Nothing lives at <code>{path}</code>. <Link href="/tasks">See the tasks</Link>.
      </p>
    </main>
  );
}

function App(): JSX.Element {
  const loc = useLocation();
  // The start page is the task list.
  const path = loc.path === "/" ? "/tasks" : loc.path;
  useEffect(() => {
    if (loc.path === "/") history.replaceState(null, "", `/tasks${location.search}`);
  }, [loc.path]);
  useEffect(() => {
    document.title = titleOf(path);
  }, [path]);
  const project = loc.query.get("project") ?? "";
  const carry = query({ project });
  return (
    <>
      <header class="top">
        <Link href={`/tasks${carry}`} class="brand">
          orchestrator
        </Link>
        <nav class="sections">
          {SECTIONS.map((s) => (
            <Link key={s.path} href={`${s.path}${carry}`} class={path.startsWith(s.path) ? "current" : ""}>
              {s.label}
            </Link>
          ))}
        </nav>
        <ProjectPicker project={project} />
        <ControllerBadge />
      </header>
      <Page path={path} project={project} />
    </>
  );
}

render(<App />, document.getElementById("app")!);
