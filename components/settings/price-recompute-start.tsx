"use client";
/**
 * "Re-price" for unpriced calls: queues a re-pricing (admins only, audited)
 * behind a confirmation, since re-priced history cannot be unpriced again.
 * Used after adding a price (that price's pattern) and for every unpriced call.
 */
import { useActionState } from "react";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { FormMessage } from "@/components/ui/field";
import { IDLE, type ActionState } from "@/lib/forms";
import { startPriceRecomputeAction } from "@/lib/spend/prices/actions";

export const callsText = (n: number) => `${n.toLocaleString("en-US")} unpriced call${n === 1 ? "" : "s"}`;

export function StartPriceRecompute({ matchPattern, calls, trigger }: { matchPattern: string | null; calls: number; trigger: string }) {
  const [state, dispatch, pending] = useActionState<ActionState, FormData>(startPriceRecomputeAction, IDLE);
  const which = matchPattern === null ? callsText(calls) : `${callsText(calls)} of “${matchPattern}”`;
  return (
    <form action={dispatch} className="flex flex-wrap items-center gap-3">
      {matchPattern !== null && <input type="hidden" name="matchPattern" value={matchPattern} />}
      {state.status !== "success" && (
        <ConfirmDialog
          trigger={trigger}
          title={`Re-price ${which}?`}
          body="Each call gets the price in force at its start (calls older than every matching price stay unpriced); its run and the spend rollups are corrected with it. Re-priced calls are not unpriced again if the price is later deleted."
          confirmLabel="Re-price"
          pending={pending}
        />
      )}
      <FormMessage state={state} />
    </form>
  );
}
