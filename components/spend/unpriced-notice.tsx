/** Calls without a price are counted, never priced at $0: say how many, of which models, and where prices are set. */
import Link from "next/link";
import { formatCount } from "./format";

const MAX_MODELS = 5;

export function UnpricedNotice({ calls, models, canEditPrices }: { calls: number; models: { model: string; calls: number }[]; canEditPrices: boolean }) {
  if (calls === 0) return null;
  const named = models.slice(0, MAX_MODELS).map((m) => m.model || "no model name");
  const more = models.length > MAX_MODELS ? ` and ${models.length - MAX_MODELS} more` : "";
  return (
    <div role="note" className="mb-4 rounded-md bg-amber-50 px-4 py-3 text-sm text-amber-900 ring-1 ring-amber-200" data-testid="unpriced-notice">
      <p>
        <strong>
          {formatCount(calls)} {calls === 1 ? "call" : "calls"} had no price
        </strong>{" "}
        (model {named.join(", ")}
        {more}) — their cost is not included in the figures below.{" "}
        {canEditPrices ? (
          <Link href="/settings#model-prices" className="font-medium underline">
            Add prices in Settings › Model prices
          </Link>
        ) : (
          "An admin can add their prices in Settings › Model prices."
        )}
      </p>
    </div>
  );
}
