/**
 * The model price table and cost computation used at ingestion.
 * CONTRACT (ingestion calls this; keep the signatures): `loadPriceTable(tx)`
 * once per ingestion transaction, then `table.find(model, at)` and
 * `computeCost(price, usage)` per LLM span.
 */
import type { Tx } from "@/lib/db";

export interface PriceRow {
  id: string;
  model: string;
  matchPattern: string;
  inputPerMillion: number;
  outputPerMillion: number;
  cachedInputPerMillion: number | null;
  effectiveFrom: Date;
}

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
}

export interface PriceTable {
  /** The price in force for `model` at `at`, or null when the model is unpriced. */
  find(model: string, at: Date): PriceRow | null;
}

export async function loadPriceTable(tx: Tx): Promise<PriceTable> {
  const rows = await tx.modelPrice.findMany({ orderBy: { effectiveFrom: "desc" } });
  const prices: PriceRow[] = rows.map((r) => ({
    id: r.id,
    model: r.model,
    matchPattern: r.matchPattern,
    inputPerMillion: Number(r.inputPerMillion),
    outputPerMillion: Number(r.outputPerMillion),
    cachedInputPerMillion: r.cachedInputPerMillion === null ? null : Number(r.cachedInputPerMillion),
    effectiveFrom: r.effectiveFrom,
  }));
  return {
    find(model, at) {
      return prices.find((p) => p.matchPattern === model && p.effectiveFrom <= at) ?? null;
    },
  };
}

/** USD. Cached input tokens are part of input tokens and priced at the cached rate when there is one. */
export function computeCost(price: PriceRow, usage: TokenUsage): number {
  const cached = Math.min(usage.cachedInputTokens, usage.inputTokens);
  const uncached = usage.inputTokens - cached;
  const cachedRate = price.cachedInputPerMillion ?? price.inputPerMillion;
  return (uncached * price.inputPerMillion + cached * cachedRate + usage.outputTokens * price.outputPerMillion) / 1_000_000;
}
