/**
 * Ingestion of OTLP traces: map every span, store the valid ones in one
 * transaction (steps, runs, totals, spend rollup), run the run analysis, and
 * append one audit event. Invalid spans are rejected one by one and reported;
 * the valid spans of the same request are stored.
 *
 * CONTRACT: `ingestOtlpJson(actor, body)` is also called by the demo data
 * generator with an OTLP/JSON ExportTraceServiceRequest object.
 */
import { appendAuditOn, type Actor } from "@/lib/audit";
import { transactionWithConnection, type Tx } from "@/lib/db";
import { analyzeRuns } from "@/lib/runs/analysis";
import { mapSpan } from "./mapping";
import { decodeOtlpJson, type OtlpSpan } from "./otlp";
import { applySpendRollup, EMPTY_STORE_RESULT, storeSteps, type Connection, type StoreResult } from "./store";
import type { Rejection, StepDraft } from "./types";

export interface IngestResult {
  acceptedSpans: number;
  rejectedSpans: number;
  /** Why spans were rejected (the first few reasons), when some were. */
  errorMessage?: string;
}

export interface IngestDetails extends IngestResult {
  /** Newly stored steps (accepted minus re-sent ones). */
  storedSpans: number;
  duplicateSpans: number;
  runIds: string[];
  rejections: Rejection[];
}

/** Long enough for a large batch waiting behind concurrent writers of the same run. */
export const INGEST_TRANSACTION = { maxWait: 15_000, timeout: 60_000 } as const;

const MAX_REASONS = 5;

export function summariseRejections(rejections: Rejection[], noun = "span"): string | undefined {
  if (rejections.length === 0) return undefined;
  const reasons = rejections.slice(0, MAX_REASONS).map((r) => {
    const where = r.spanId ? `${noun} ${r.spanId}${r.traceId ? ` of trace ${r.traceId}` : ""}` : `${noun} #${r.index}`;
    return `${where}: ${r.message}`;
  });
  const more = rejections.length > MAX_REASONS ? ` (and ${rejections.length - MAX_REASONS} more)` : "";
  return `${rejections.length} ${noun}${rejections.length === 1 ? "" : "s"} rejected: ${reasons.join("; ")}${more}`;
}

/**
 * Stores already-mapped steps in the caller's transaction, runs the run
 * analysis, then adds to the spend rollup (its shared rows are locked until
 * commit, so as late as possible). The caller appends the audit event last.
 * `connection`: the transaction's own pg connection for the bulk statements (see store.ts).
 */
export async function storeAndAnalyze(
  tx: Tx,
  steps: StepDraft[],
  extraRunIds: string[] = [],
  connection: Connection = null,
): Promise<StoreResult> {
  const result = steps.length ? await storeSteps(tx, steps, connection) : EMPTY_STORE_RESULT;
  const runIds = [...new Set([...result.runIds, ...extraRunIds])];
  // What storeSteps has not already done (see StoreResult.analysis); runs touched only through
  // `extraRunIds` get the whole analysis.
  if (runIds.length) {
    await analyzeRuns(
      tx,
      runIds,
      extraRunIds.length ? {} : { stallsResumed: true, loopRunIds: result.analysis.loopRunIds, evaluators: result.analysis.evaluators },
    );
  }
  await applySpendRollup(tx, result.spend, connection);
  return result;
}

/** Maps and stores decoded spans: one transaction, one audit event. */
export async function ingestSpans(actor: Actor, spans: OtlpSpan[], source: "otlp" | "demo" = "otlp"): Promise<IngestDetails> {
  const now = Date.now();
  const steps: StepDraft[] = [];
  const rejections: Rejection[] = [];
  spans.forEach((span, index) => {
    const mapped = mapSpan(span, now);
    if (mapped.ok) steps.push(mapped.step);
    else rejections.push({ index, traceId: span.traceId || undefined, spanId: span.spanId || undefined, message: mapped.message });
  });

  const stored = await transactionWithConnection(async (tx, connection) => {
    const result = await storeAndAnalyze(tx, steps, [], connection);
    await appendAuditOn(tx, connection, {
      actor,
      action: "telemetry.ingest",
      targetType: "telemetry",
      metadata: {
        source,
        receivedSpans: spans.length,
        acceptedSpans: steps.length,
        storedSpans: result.stored,
        duplicateSpans: result.duplicates,
        rejectedSpans: rejections.length,
        runs: result.runIds.length,
        createdAgents: result.createdAgents,
        createdTeams: result.createdTeams,
      },
    });
    return result;
  }, INGEST_TRANSACTION);

  return {
    acceptedSpans: steps.length,
    rejectedSpans: rejections.length,
    errorMessage: summariseRejections(rejections),
    storedSpans: stored.stored,
    duplicateSpans: stored.duplicates,
    runIds: stored.runIds,
    rejections,
  };
}

/**
 * Ingests an OTLP/JSON ExportTraceServiceRequest given as an object (already
 * parsed). Throws AppError 400 when its structure is not OTLP.
 */
export async function ingestOtlpJson(actor: Actor, body: unknown): Promise<IngestResult> {
  const { acceptedSpans, rejectedSpans, errorMessage } = await ingestSpans(actor, decodeOtlpJson(body), "otlp");
  return errorMessage === undefined ? { acceptedSpans, rejectedSpans } : { acceptedSpans, rejectedSpans, errorMessage };
}
