/**
 * @module The schema registry: each built-in kind's spec schema and checks,
 * compiled once on first use and shared by every validation after that.
 */
import type { ValidateFunction } from "ajv";
import { agent } from "./agent.js";
import { builtinAjv } from "./ajv.js";
import type { KindSpec, SchemaObject } from "./common.js";
import { customResourceDefinition } from "./crd.js";
import { metadataSchema } from "./envelope.js";
import { executionProfile } from "./execution-profile.js";
import { project } from "./project.js";
import { runtimePolicy } from "./runtime-policy.js";
import { stepTemplate } from "./step-template.js";
import { source } from "./source.js";
import { envStore, secretStore } from "./stores.js";
import { run, task } from "./task.js";
import { trigger } from "./trigger.js";
import { storeBackendProvider, workflowStore } from "./workflow-store.js";
import { workflow } from "./workflow.js";
import { workspace } from "./workspace.js";

export const KIND_SPECS: Readonly<Record<string, KindSpec>> = {
  Project: project,
  Workspace: workspace,
  Agent: agent,
  StepTemplate: stepTemplate,
  Workflow: workflow,
  RuntimePolicy: runtimePolicy,
  ExecutionProfile: executionProfile,
  EnvStore: envStore,
  SecretStore: secretStore,
  Trigger: trigger,
  WorkflowStore: workflowStore,
  StoreBackendProvider: storeBackendProvider,
  CustomResourceDefinition: customResourceDefinition,
  Source: source,
  Task: task,
  Run: run,
};

const validators = new Map<string, ValidateFunction>();

function compiled(key: string, schema: SchemaObject): ValidateFunction {
  let v = validators.get(key);
  if (!v) {
    v = builtinAjv().compile(schema);
    validators.set(key, v);
  }
  return v;
}

/** The compiled spec validator of a built-in kind, or undefined for other kinds. */
export function specValidator(kind: string): ValidateFunction | undefined {
  const spec = KIND_SPECS[kind];
  return spec ? compiled(kind, spec.schema) : undefined;
}

export function metadataValidator(): ValidateFunction {
  return compiled("#metadata", metadataSchema);
}
