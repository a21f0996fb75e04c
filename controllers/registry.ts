/**
 * @module The kind controllers, one per built-in kind, and the one every
 * custom kind gets.
 */
import { agentController } from "./agent.js";
import { crdController } from "./crd.js";
import { customResourceController } from "./custom.js";
import { envStoreController } from "./env-store.js";
import { executionProfileController } from "./execution-profile.js";
import { projectController } from "./project.js";
import { runController } from "./run.js";
import { runtimePolicyController } from "./runtime-policy.js";
import { secretStoreController } from "./secret-store.js";
import { sourceController } from "./source.js";
import { stepTemplateController } from "./step-template.js";
import { storeBackendProviderController } from "./store-backend-provider.js";
import { taskController } from "./task.js";
import { triggerController } from "./trigger.js";
import type { KindController } from "./types.js";
import { workflowStoreController } from "./workflow-store.js";
import { workflowController } from "./workflow.js";
import { workspaceController } from "./workspace.js";

export const BUILTIN_CONTROLLERS: readonly KindController[] = [
  projectController,
  envStoreController,
  secretStoreController,
  executionProfileController,
  runtimePolicyController,
  storeBackendProviderController,
  workflowStoreController,
  crdController,
  sourceController,
  stepTemplateController,
  agentController,
  workspaceController,
  workflowController,
  triggerController,
  taskController,
  runController,
];

const BY_KIND: ReadonlyMap<string, KindController> = new Map(BUILTIN_CONTROLLERS.map((c) => [c.kind, c]));

/** The controller of `kind`; a kind not built in is a custom resource. */
export function controllerFor(kind: string): KindController {
  return BY_KIND.get(kind) ?? customResourceController(kind);
}
