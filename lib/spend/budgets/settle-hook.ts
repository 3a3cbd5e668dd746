/**
 * Settles budget reservations once their trace's LLM calls arrive: from then
 * on the calls' actual cost (in the spend rollup, same transaction) counts
 * instead of the estimate. Touches only the reservation rows of the batch's
 * traces — never the budget rows reservations lock, nor the reserved totals
 * (a settled reservation is folded out of those just after the commit, on the
 * notification this statement sends: reserved-totals.ts) — so ingestion never
 * waits on a reservation.
 */
import type { PostStoreHook } from "@/lib/telemetry/pipeline";
import { bulkQuery } from "@/lib/db/bulk";
import { foldOnSettlement, RESERVATIONS_CHANNEL } from "./reserved-totals";

export const settleReservationsHook: PostStoreHook = {
  name: "budgets.settle_reservations",
  async run({ tx, connection, stored }) {
    const traces = stored.steps.billedTraceIds;
    if (traces.length === 0) return;
    foldOnSettlement();
    // Notifies only when something was settled (most batches carry no reservation's trace).
    await bulkQuery(
      tx,
      connection,
      `WITH settled AS (
        UPDATE "BudgetReservation" SET "settledAt" = (now() AT TIME ZONE 'UTC')
        WHERE "traceId" = ANY($1::text[]) AND "settledAt" IS NULL
        RETURNING 1
      )
      SELECT count(*)::int AS "notified" FROM (SELECT pg_notify($2, 'settled') FROM settled LIMIT 1) n`,
      [traces, RESERVATIONS_CHANNEL],
    );
  },
};
