/**
 * Webhook delivery ids a trigger took, on both stores: recorded once per
 * trigger, the second record of an id returning the first (from another
 * connection too), gone with a rolled-back transaction, forgotten once
 * older than the retention window.
 */
import { describe, expect, it } from "vitest";
import type { TriggerDelivery } from "../../../src/store/store.js";
import { describeStores } from "./backends.js";

const at = (iso: string, extra: Partial<TriggerDelivery> = {}): TriggerDelivery => ({
  project: "default",
  trigger: "push",
  deliveryId: "d-1",
  receivedAt: iso,
  outcome: "fired",
  taskId: "t-1",
  ...extra,
});

describeStores("trigger deliveries", (b) => {
  describe("recordTriggerDelivery", () => {
    it("records an id once per trigger; the second record returns the first and changes nothing, from another connection too", () => {
      const { home, store } = b.newStore();
      const since = "2024-01-01T00:00:00.000Z";
      expect(store.recordTriggerDelivery(at("2024-01-02T00:00:00.000Z"), since)).toBeUndefined();
      const other = b.reopen(home);
      try {
        expect(other.recordTriggerDelivery(at("2024-01-02T01:00:00.000Z", { taskId: "t-2" }), since)).toEqual(at("2024-01-02T00:00:00.000Z"));
        expect(other.getTriggerDelivery({ project: "default", trigger: "push", deliveryId: "d-1" }, since)).toEqual(at("2024-01-02T00:00:00.000Z"));
      } finally {
        other.close();
      }
      // The same id for another trigger, another project, and another id are each their own.
      expect(store.recordTriggerDelivery(at("2024-01-02T02:00:00.000Z", { trigger: "tag" }), since)).toBeUndefined();
      expect(store.recordTriggerDelivery(at("2024-01-02T02:00:00.000Z", { project: "team" }), since)).toBeUndefined();
      expect(store.recordTriggerDelivery(at("2024-01-02T02:00:00.000Z", { deliveryId: "d-2", outcome: "suspended", taskId: null }), since)).toBeUndefined();
      expect(store.getTriggerDelivery({ project: "default", trigger: "push", deliveryId: "d-2" }, since)).toMatchObject({ outcome: "suspended", taskId: null });
      expect(b.raw(home, store, "SELECT count(*) FROM trigger_deliveries")).toEqual([4]);
      store.close();
    });

    it("joins the write transaction: rolled back, nothing is recorded", () => {
      const { store } = b.newStore();
      const since = "2024-01-01T00:00:00.000Z";
      expect(() =>
        store.writeTransaction(() => {
          expect(store.recordTriggerDelivery(at("2024-01-02T00:00:00.000Z"), since)).toBeUndefined();
          throw new Error("the firing failed");
        }),
      ).toThrow(/the firing failed/);
      expect(store.getTriggerDelivery({ project: "default", trigger: "push", deliveryId: "d-1" }, since)).toBeUndefined();
      expect(store.recordTriggerDelivery(at("2024-01-02T00:00:00.000Z"), since)).toBeUndefined();
      store.close();
    });

    it("forgets deliveries received before the window: the id may be taken again", () => {
      const { home, store } = b.newStore();
      expect(store.recordTriggerDelivery(at("2024-01-02T00:00:00.000Z"), "2024-01-01T00:00:00.000Z")).toBeUndefined();
      expect(store.recordTriggerDelivery(at("2024-01-05T00:00:00.000Z", { deliveryId: "d-9" }), "2024-01-01T00:00:00.000Z")).toBeUndefined();
      // Outside the window it is not seen, and a new record replaces it.
      expect(store.getTriggerDelivery({ project: "default", trigger: "push", deliveryId: "d-1" }, "2024-01-03T00:00:00.000Z")).toBeUndefined();
      expect(store.recordTriggerDelivery(at("2024-01-10T00:00:00.000Z", { taskId: "t-3" }), "2024-01-03T00:00:00.000Z")).toBeUndefined();
      expect(store.getTriggerDelivery({ project: "default", trigger: "push", deliveryId: "d-1" }, "2024-01-03T00:00:00.000Z")).toMatchObject({ taskId: "t-3" });
      expect(b.raw(home, store, "SELECT delivery_id FROM trigger_deliveries ORDER BY delivery_id")).toEqual(["d-1", "d-9"]);
      store.close();
    });
  });
});
