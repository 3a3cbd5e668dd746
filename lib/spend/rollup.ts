/**
 * The daily spend rollup (`SpendDaily`): calls, tokens and cost per day, team,
 * agent, model and prompt version, incremented by ingestion in the same
 * transaction as the steps it counts, from the rows actually inserted (a
 * re-sent span is counted once). Spend pages and budgets read it.
 */
import type { Tx } from "@/lib/db";
import { bulkQuery, JsonPayload, type Connection } from "@/lib/db/bulk";

export interface SpendKey {
  /** YYYY-MM-DD, UTC. */
  day: string;
  teamId: string;
  agentId: string;
  model: string;
  promptName: string;
  promptVersion: number;
}

/** One billable call's contribution. */
export interface SpendSource extends SpendKey {
  /** Its trace: budget reservations of the trace are settled once its calls arrive. */
  traceId: string;
  unpriced: boolean;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  costUsd: number;
}

export interface SpendRow extends SpendKey {
  calls: number;
  unpricedCalls: number;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  costUsd: number;
}

/** Sums calls into rollup rows, one per key. */
export function rollUpSpend(sources: Iterable<SpendSource>): SpendRow[] {
  const spend = new Map<string, SpendRow>();
  for (const source of sources) {
    const { day, teamId, agentId, model, promptName, promptVersion } = source;
    const k = `${day}\u0000${teamId}\u0000${agentId}\u0000${model}\u0000${promptName}\u0000${promptVersion}`;
    let row = spend.get(k);
    if (!row) {
      row = { day, teamId, agentId, model, promptName, promptVersion, calls: 0, unpricedCalls: 0, inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, costUsd: 0 };
      spend.set(k, row);
    }
    row.calls += 1;
    if (source.unpriced) row.unpricedCalls += 1;
    row.inputTokens += source.inputTokens;
    row.outputTokens += source.outputTokens;
    row.cachedInputTokens += source.cachedInputTokens;
    // Each cost has 9 decimals at most; summing in nano-dollars keeps the total exact.
    row.costUsd = (Math.round(row.costUsd * 1e9) + Math.round(source.costUsd * 1e9)) / 1e9;
  }
  return [...spend.values()];
}

/**
 * Adds the increments to SpendDaily and SpendMonthly (per month, team and
 * agent: what budgets read), in one statement. Their rows are shared by every
 * request of a day (month), team, agent and model, so the upserts hold their
 * locks until commit: run it last before the audit event (which serialises
 * commits anyway), and in key order (the ORDER BYs, the same for every
 * request) so concurrent requests cannot deadlock. PostgreSQL runs the main
 * INSERT (SpendMonthly) before it finishes the unreferenced CTE (SpendDaily):
 * anything else writing both tables locks months first, then days
 * (lib/spend/prices/recompute.ts does).
 */
export async function applySpendRollup(tx: Tx, rows: SpendRow[], connection: Connection = null): Promise<void> {
  if (rows.length === 0) return;
  const payload = JSON.stringify(rows.map((r) => ({ ...r, costUsd: r.costUsd.toFixed(9) })));
  await bulkQuery(
    tx,
    connection,
    `WITH v AS (
      SELECT * FROM jsonb_to_recordset($1::jsonb) AS v(day date, "teamId" text, "agentId" text, model text, "promptName" text,
             "promptVersion" int4, calls int4, "unpricedCalls" int4, "inputTokens" int8, "outputTokens" int8,
             "cachedInputTokens" int8, "costUsd" numeric)
    ), daily AS (
      INSERT INTO "SpendDaily" (day, "teamId", "agentId", model, "promptName", "promptVersion", calls, "unpricedCalls",
                                "inputTokens", "outputTokens", "cachedInputTokens", "costUsd")
      SELECT day, "teamId", "agentId", model, "promptName", "promptVersion", calls, "unpricedCalls",
             "inputTokens", "outputTokens", "cachedInputTokens", "costUsd"
      FROM v
      ORDER BY day, "teamId", "agentId", model, "promptName", "promptVersion"
      ON CONFLICT (day, "teamId", "agentId", model, "promptName", "promptVersion") DO UPDATE SET
        calls = "SpendDaily".calls + EXCLUDED.calls,
        "unpricedCalls" = "SpendDaily"."unpricedCalls" + EXCLUDED."unpricedCalls",
        "inputTokens" = "SpendDaily"."inputTokens" + EXCLUDED."inputTokens",
        "outputTokens" = "SpendDaily"."outputTokens" + EXCLUDED."outputTokens",
        "cachedInputTokens" = "SpendDaily"."cachedInputTokens" + EXCLUDED."cachedInputTokens",
        "costUsd" = "SpendDaily"."costUsd" + EXCLUDED."costUsd"
    )
    INSERT INTO "SpendMonthly" (month, "teamId", "agentId", calls, "unpricedCalls", "costUsd")
    SELECT date_trunc('month', day)::date, "teamId", "agentId", SUM(calls), SUM("unpricedCalls"), SUM("costUsd")
    FROM v
    GROUP BY 1, 2, 3
    ORDER BY 1, 2, 3
    ON CONFLICT (month, "teamId", "agentId") DO UPDATE SET
      calls = "SpendMonthly".calls + EXCLUDED.calls,
      "unpricedCalls" = "SpendMonthly"."unpricedCalls" + EXCLUDED."unpricedCalls",
      "costUsd" = "SpendMonthly"."costUsd" + EXCLUDED."costUsd"`,
    [new JsonPayload(payload)],
  );
}
