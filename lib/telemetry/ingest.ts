/**
 * Ingestion of OTLP traces: map every span and send the valid ones through
 * the ingestion pipeline (pipeline.ts: one transaction, store, hooks, the
 * ingestion ledger). Invalid spans are rejected one by one and reported; the valid
 * spans of the same request are stored.
 *
 * CONTRACT: `ingestOtlpJson(actor, body)` is also called by the demo data
 * generator with an OTLP/JSON ExportTraceServiceRequest object.
 */
import type { Actor } from "@/lib/audit";
import { mapSpan } from "./mapping";
import { decodeOtlpJson, type OtlpSpan } from "./otlp";
import { evaluationsOfSpan } from "./evaluation-events";
import type { EvaluationItem } from "./items";
import { ingestBatch } from "./pipeline";
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

/** Maps and stores decoded spans: one transaction, one ledger row update. */
export async function ingestSpans(actor: Actor, spans: OtlpSpan[], source: "otlp" | "demo" = "otlp"): Promise<IngestDetails> {
  const now = Date.now();
  const steps: StepDraft[] = [];
  const rejections: Rejection[] = [];
  const evaluations: EvaluationItem[] = [];
  spans.forEach((span, index) => {
    const mapped = mapSpan(span, now);
    if (mapped.ok) {
      steps.push(mapped.step);
      // GenAI evaluation events of an accepted span: evaluations of its step, stored in the same transaction.
      for (const value of evaluationsOfSpan(span)) evaluations.push({ index: evaluations.length, value });
    } else rejections.push({ index, traceId: span.traceId || undefined, spanId: span.spanId || undefined, message: mapped.message });
  });

  const stored = await ingestBatch(actor, { source, steps, ...(evaluations.length ? { evaluations } : {}) }, { receivedSpans: spans.length, rejectedSpans: rejections.length });

  return {
    acceptedSpans: steps.length,
    rejectedSpans: rejections.length,
    errorMessage: summariseRejections(rejections),
    storedSpans: stored.steps.stored,
    duplicateSpans: stored.steps.duplicates,
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
