/**
 * The ingestion ledger: what each API key sent, per minute and source
 * (requests, spans received/accepted/duplicate/rejected, runs created). It
 * replaces one hash-chained audit event per ingest request: the audit log is
 * for decisions and changes, and the chain's advisory lock, held until commit,
 * serialised every ingest transaction of every instance.
 *
 * Written by the pipeline (pipeline.ts) in the ingest transaction, as one
 * upsert into one of LEDGER_SHARDS rows per (key, minute, source): concurrent
 * requests of one key then rarely wait on the same row lock until commit.
 * Readers always sum over shards: `getIngestLedger` (GET /api/v1/ingest/ledger)
 * and `getKeyIngestSummaries` (Settings › API keys).
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import type { Actor } from "@/lib/audit";
import { db, type Tx } from "@/lib/db";
import { bulkQuery, type Connection } from "@/lib/db/bulk";

/** Rows per (key, minute, source). The backend pid spreads concurrent requests (each on its own connection). */
export const LEDGER_SHARDS = 8;

/**
 * The ledger's (and ingested evaluations') sender: the API key's id, or for
 * in-process callers without a key (the demo, the seed, tests) their actor,
 * prefixed so it never looks like a key id.
 */
export function ingestSenderOf(actor: Actor): string {
  if (actor.type === "API_KEY") return actor.id;
  return actor.type === "USER" ? `user:${actor.id}` : `system:${actor.label}`;
}

/** The id of an ingested evaluation: the same sender re-sending the same judgement of the same span is recognised. */
export function evaluationDedupKey(sender: string, e: { traceId: string; spanId?: string | null; name: string; source: string }): string {
  return createHash("sha256")
    .update(JSON.stringify([sender, e.traceId, e.spanId ?? null, e.name, e.source]))
    .digest("base64url");
}

export interface LedgerCounts {
  spansReceived: number;
  spansAccepted: number;
  spansDuplicate: number;
  spansRejected: number;
  runsCreated: number;
}

const LEDGER_UPSERT = `INSERT INTO "IngestLedger" ("apiKeyId", minute, source, shard, requests, "spansReceived", "spansAccepted",
                            "spansDuplicate", "spansRejected", "runsCreated")
    VALUES ($1, date_trunc('minute', now() AT TIME ZONE 'UTC'), $2, pg_backend_pid() % ${LEDGER_SHARDS}, 1, $3, $4, $5, $6, $7)
    ON CONFLICT ("apiKeyId", minute, source, shard) DO UPDATE SET
      requests = "IngestLedger".requests + 1,
      "spansReceived" = "IngestLedger"."spansReceived" + EXCLUDED."spansReceived",
      "spansAccepted" = "IngestLedger"."spansAccepted" + EXCLUDED."spansAccepted",
      "spansDuplicate" = "IngestLedger"."spansDuplicate" + EXCLUDED."spansDuplicate",
      "spansRejected" = "IngestLedger"."spansRejected" + EXCLUDED."spansRejected",
      "runsCreated" = "IngestLedger"."runsCreated" + EXCLUDED."runsCreated"`;

/** Adds one request to its sender's row of this minute, on the ingest transaction (rolled back with it). */
export async function recordIngest(tx: Tx, connection: Connection, actor: Actor, source: string, counts: LedgerCounts): Promise<void> {
  await bulkQuery(tx, connection, LEDGER_UPSERT, [
    ingestSenderOf(actor),
    source,
    counts.spansReceived,
    counts.spansAccepted,
    counts.spansDuplicate,
    counts.spansRejected,
    counts.runsCreated,
  ]);
}

// ───────────── Reading: summed over shards (and sources), per minute, hour or day ─────────────

export const LEDGER_GROUPS = ["minute", "hour", "day"] as const;
export type LedgerGroup = (typeof LEDGER_GROUPS)[number];

const BUCKET_MS: Record<LedgerGroup, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
/** Most buckets one answer holds (a day of minutes, two months of hours): bounded work per request. */
export const MAX_LEDGER_BUCKETS = 1_500;

const instant = z.iso.datetime({ offset: true }).or(z.iso.date()).transform((v) => new Date(v));

export const ledgerQuerySchema = z
  .object({
    apiKey: z.string().trim().min(1).max(100).optional().meta({ description: "An API key's id; all senders when absent." }),
    from: instant.optional().meta({ description: "Start (ISO date-time or date, UTC); default `to` minus 24 hours." }),
    to: instant.optional().meta({ description: "End, exclusive (default now)." }),
    groupBy: z.enum(LEDGER_GROUPS).default("hour"),
  })
  .transform((q, ctx) => {
    const to = q.to ?? new Date();
    const from = q.from ?? new Date(to.getTime() - 86_400_000);
    if (from >= to) ctx.addIssue({ code: "custom", path: ["from"], message: "Must be before `to`." });
    else if ((to.getTime() - from.getTime()) / BUCKET_MS[q.groupBy] > MAX_LEDGER_BUCKETS) {
      ctx.addIssue({ code: "custom", path: ["groupBy"], message: `At most ${MAX_LEDGER_BUCKETS} ${q.groupBy}s; narrow the range or group coarser.` });
    }
    return { apiKey: q.apiKey, from, to, groupBy: q.groupBy };
  });
export type LedgerQuery = z.output<typeof ledgerQuerySchema>;

const count = () => z.number().int().min(0);
export const ledgerTotalsSchema = z.object({
  requests: count(),
  spansReceived: count(),
  spansAccepted: count().meta({ description: "Valid spans (steps), new or re-sent." }),
  spansDuplicate: count().meta({ description: "Accepted spans already stored (re-sent): stored and counted once." }),
  spansRejected: count(),
  runsCreated: count(),
});
export type LedgerTotals = z.output<typeof ledgerTotalsSchema>;

export const ledgerAnswerSchema = z.object({
  apiKey: z.string().nullable(),
  from: z.iso.datetime(),
  to: z.iso.datetime(),
  groupBy: z.enum(LEDGER_GROUPS),
  totals: ledgerTotalsSchema,
  buckets: z
    .array(ledgerTotalsSchema.extend({ start: z.iso.datetime() }))
    .meta({ description: "Only buckets with requests, oldest first; `start` is the bucket's first minute (UTC)." }),
});
export type LedgerAnswer = z.output<typeof ledgerAnswerSchema>;

interface LedgerRow {
  bucket: Date;
  requests: number;
  spansReceived: number;
  spansAccepted: number;
  spansDuplicate: number;
  spansRejected: number;
  runsCreated: number;
}

const ZERO: LedgerTotals = { requests: 0, spansReceived: 0, spansAccepted: 0, spansDuplicate: 0, spansRejected: 0, runsCreated: 0 };

/** The ledger of one key (or of everyone) over [from, to), per bucket, summed over shards and sources. */
export async function getIngestLedger(query: LedgerQuery): Promise<LedgerAnswer> {
  const rows = await db.$queryRaw<LedgerRow[]>`
    SELECT date_trunc(${query.groupBy}, minute) AS bucket, sum(requests)::int AS requests,
           sum("spansReceived")::int AS "spansReceived", sum("spansAccepted")::int AS "spansAccepted",
           sum("spansDuplicate")::int AS "spansDuplicate", sum("spansRejected")::int AS "spansRejected",
           sum("runsCreated")::int AS "runsCreated"
    FROM "IngestLedger"
    WHERE minute >= ${query.from} AND minute < ${query.to} AND (${query.apiKey ?? null}::text IS NULL OR "apiKeyId" = ${query.apiKey ?? null})
    GROUP BY 1 ORDER BY 1`;
  const totals = { ...ZERO };
  const buckets = rows.map(({ bucket, ...counts }) => {
    for (const k of Object.keys(totals) as (keyof LedgerTotals)[]) totals[k] += counts[k];
    return { start: bucket.toISOString(), ...counts };
  });
  return { apiKey: query.apiKey ?? null, from: query.from.toISOString(), to: query.to.toISOString(), groupBy: query.groupBy, totals, buckets };
}

export interface KeyIngestSummary {
  last24h: LedgerTotals;
  /** Minutes of the last hour and hours of the last 24 hours with requests, oldest first. */
  minutes: (LedgerTotals & { start: string })[];
  hours: (LedgerTotals & { start: string })[];
}

/** For Settings › API keys: each key's last 24 hours, per hour, and its last hour, per minute (two statements for all keys). */
export async function getKeyIngestSummaries(apiKeyIds: string[], now = new Date()): Promise<Map<string, KeyIngestSummary>> {
  const summaries = new Map<string, KeyIngestSummary>();
  if (apiKeyIds.length === 0) return summaries;
  const since = (ms: number) => new Date(now.getTime() - ms);
  const grouped = (unit: "minute" | "hour", from: Date) => db.$queryRaw<(LedgerRow & { apiKeyId: string })[]>`
    SELECT "apiKeyId", date_trunc(${unit}, minute) AS bucket, sum(requests)::int AS requests,
           sum("spansReceived")::int AS "spansReceived", sum("spansAccepted")::int AS "spansAccepted",
           sum("spansDuplicate")::int AS "spansDuplicate", sum("spansRejected")::int AS "spansRejected",
           sum("runsCreated")::int AS "runsCreated"
    FROM "IngestLedger"
    WHERE "apiKeyId" = ANY(${apiKeyIds}) AND minute >= ${from}
    GROUP BY 1, 2 ORDER BY 1, 2`;
  const [hours, minutes] = await Promise.all([grouped("hour", since(86_400_000)), grouped("minute", since(3_600_000))]);
  const summaryOf = (id: string) => {
    let s = summaries.get(id);
    if (!s) summaries.set(id, (s = { last24h: { ...ZERO }, minutes: [], hours: [] }));
    return s;
  };
  for (const { apiKeyId, bucket, ...counts } of hours) {
    const s = summaryOf(apiKeyId);
    for (const k of Object.keys(counts) as (keyof LedgerTotals)[]) s.last24h[k] += counts[k];
    s.hours.push({ start: bucket.toISOString(), ...counts });
  }
  for (const { apiKeyId, bucket, ...counts } of minutes) summaryOf(apiKeyId).minutes.push({ start: bucket.toISOString(), ...counts });
  return summaries;
}
