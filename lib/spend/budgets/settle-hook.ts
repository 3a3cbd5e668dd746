/**
 * Settles budget reservations once their trace's LLM calls arrive: from then
 * on the calls' actual cost (in the spend rollup, same transaction) counts
 * instead of the estimate. Touches only reservation rows, never the budget
 * rows reservations lock, so ingestion never waits on a reservation.
 */
import type { PostStoreHook } from "@/lib/telemetry/pipeline";
import { bulkQuery } from "@/lib/db/bulk";

export const settleReservationsHook: PostStoreHook = {
  name: "budgets.settle_reservations",
  async run({ tx, connection, stored }) {
    const traces = stored.steps.billedTraceIds;
    if (traces.length === 0) return;
    await bulkQuery(
      tx,
      connection,
      `UPDATE "BudgetReservation" SET "settledAt" = (now() AT TIME ZONE 'UTC')
       WHERE "traceId" = ANY($1::text[]) AND "settledAt" IS NULL`,
      [traces],
    );
  },
};
