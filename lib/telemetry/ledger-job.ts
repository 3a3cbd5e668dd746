/**
 * Retention of the ingestion ledger: per-minute rows older than
 * LEDGER_RETENTION_DAYS are deleted (up to 8 rows per key, minute and source
 * pile up otherwise). Listed in lib/jobs/registry.ts.
 */
import { db } from "@/lib/db";
import { defineJob } from "@/lib/jobs/define";

export const LEDGER_RETENTION_DAYS = 90;

export async function deleteOldLedgerRows(now: Date, days = LEDGER_RETENTION_DAYS): Promise<number> {
  const before = new Date(now.getTime() - days * 24 * 60 * 60_000);
  const { count } = await db.ingestLedger.deleteMany({ where: { minute: { lt: before } } });
  return count;
}

export const ingestLedgerRetentionJob = defineJob({
  name: "ingest_ledger_retention",
  description: `Deletes ingestion ledger rows older than ${LEDGER_RETENTION_DAYS} days.`,
  intervalMs: 60 * 60_000,
  run: async ({ now }) => ({ deleted: await deleteOldLedgerRows(now) }),
});
