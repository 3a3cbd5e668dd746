/**
 * Upkeep of the reserved totals (BudgetReservedTotal: open estimates per
 * budget target and expiry minute, kept by triggers; README.md here).
 *
 * Settlement by ingestion only sets a reservation's `settledAt`, in the
 * ingestion transaction, so ingestion never writes a row that reservations
 * lock; the readers subtract settled reservations until they are folded out of
 * the totals. Folding is this module's: right after such a commit (the settle
 * hook notifies `budget_reservations`, delivered at COMMIT, and every instance
 * that listens folds), and on every tick of the budget job as a net (a
 * notification sent while nobody listened is lost). Purging drops what expired
 * a day ago, with the totals of those minutes.
 */
import { readQuery } from "@/lib/db";
import { subscribe } from "@/lib/db/notifications";

export const RESERVATIONS_CHANNEL = "budget_reservations";
/** Reservations are kept this long after they expire (they are shown for a day), then deleted. */
export const RESERVATION_RETENTION_MS = 86_400_000;

/** Takes settled reservations out of the totals; returns how many. One statement, a few rows. */
export async function foldSettledReservations(): Promise<number> {
  const [row] = await readQuery<{ folded: number }>(`SELECT fd_fold_settled_reservations() AS "folded"`, []);
  return row?.folded ?? 0;
}

/** Deletes reservations expired for more than a day (they hold nothing), the totals of their minutes, and past seconds' totals. */
export async function purgeReservations(now = new Date()): Promise<number> {
  const before = new Date(now.getTime() - RESERVATION_RETENTION_MS).toISOString();
  const [row] = await readQuery<{ purged: number }>(`SELECT fd_purge_budget_reservations($1::timestamp, $2::timestamp) AS "purged"`, [before, now.toISOString()]);
  return row?.purged ?? 0;
}

let armed = false;
let folding = false;
let again = false;

/** One fold at a time per instance; notifications that arrive meanwhile make one more. */
async function foldNow(): Promise<void> {
  if (folding) {
    again = true;
    return;
  }
  folding = true;
  try {
    do {
      again = false;
      await foldSettledReservations();
    } while (again);
  } catch (error) {
    // The budget job folds what is left; a reader is exact either way (it subtracts what is not folded).
    console.warn("[flightdeck] could not fold settled budget reservations", error);
  } finally {
    folding = false;
  }
}

/** Makes this instance fold settled reservations as soon as their settlement commits (idempotent). */
export function foldOnSettlement(): void {
  if (armed) return;
  armed = true;
  subscribe(RESERVATIONS_CHANNEL, () => void foldNow());
}
