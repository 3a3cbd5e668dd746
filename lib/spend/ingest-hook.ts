/**
 * Ingestion's spend work (one hook, after the others): the prompt versions
 * each run used (`RunPromptVersion`, what the cost per outcome by prompt
 * version reads instead of the steps), then the daily and monthly spend
 * rollup (rollup.ts), last because its shared rows stay locked until commit.
 */
import type { PostStoreHook } from "@/lib/telemetry/pipeline";
import type { StoreResult } from "@/lib/telemetry/store";
import type { Tx } from "@/lib/db";
import { bulkQuery, JsonPayload, type Connection } from "@/lib/db/bulk";
import { applySpendRollup } from "./rollup";

/**
 * Records which prompt versions the batch's runs used. A row per run and version, inserted once (a
 * re-sent call adds nothing); only the batch's own runs' rows are touched, so requests never wait on
 * each other here beyond what the run rows already order.
 */
async function recordRunPromptVersions(tx: Tx, connection: Connection, used: StoreResult["promptUses"]): Promise<void> {
  if (used.length === 0) return;
  await bulkQuery(
    tx,
    connection,
    `INSERT INTO "RunPromptVersion" ("runId", "promptName", "promptVersion")
     SELECT r."id", v."promptName", v."promptVersion"
     FROM jsonb_to_recordset($1::jsonb) AS v("traceId" text, "promptName" text, "promptVersion" int4)
     JOIN "Run" r ON r."traceId" = v."traceId"
     ORDER BY 1, 2, 3
     ON CONFLICT DO NOTHING`,
    [new JsonPayload(JSON.stringify(used))],
  );
}

export const spendRollupHook: PostStoreHook = {
  name: "spend.rollup",
  run: async ({ tx, connection, stored }) => {
    // From the stored (redacted) calls, like the rollup: never the drafts as sent.
    await recordRunPromptVersions(tx, connection, stored.steps.promptUses);
    await applySpendRollup(tx, stored.steps.spend, connection);
  },
};
