import { describe, expect, it } from "vitest";
import { controllerStoreOf } from "../../../src/store/controller-store.js";
import { describeStores } from "./backends.js";

describeStores("ControllerStore", (b) => {
  describe("listing controllers", () => {
    it("lists the live controllers, and only them, whatever else the store's meta holds (a stopped listener's address is empty)", () => {
      const { store } = b.newStore();
      try {
        const controllers = controllerStoreOf(store);
        const lease = controllers.registerController({ id: "host-a:1:aaa", host: "host-a", pid: 1, workers: 2, role: "controller" }, 60_000);
        // What a controller writes of its listener, and leaves empty once stopped.
        store.setMeta("controller.http:host-a:/srv/one/.orchestrator", JSON.stringify({ url: "http://127.0.0.1:1/", pid: 1 }));
        store.setMeta("controller.http:host-b:/srv/two/.orchestrator", "");
        expect(controllers.listControllers()).toEqual([expect.objectContaining({ id: "host-a:1:aaa", host: "host-a", pid: 1, workers: 2, role: "controller", tasks: 0 })]);
        expect(controllers.reapControllers(() => false)).toEqual([]);
        controllers.unregisterController(lease.epoch);
        expect(controllers.listControllers()).toEqual([]);
      } finally {
        store.close();
      }
    });
  });
});
