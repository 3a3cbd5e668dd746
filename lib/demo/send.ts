/**
 * Sends the demo through the same ingestion code agents use
 * (`ingestOtlpJson`), batch after batch, reporting progress and throughput.
 */
import type { Actor } from "@/lib/audit";
import { ingestOtlpJson } from "@/lib/telemetry/ingest";
import { db } from "@/lib/db";
import { ingestNativeBatch } from "@/lib/telemetry/native";
import { demoBatches, type DemoOptions } from "./generator";
import type { DemoEvaluation } from "./judge";

export const DEMO_ACTOR: Actor = { type: "SYSTEM", label: "demo-generator" };

export interface DemoProgress {
  runs: number;
  totalRuns: number;
  spans: number;
  requests: number;
  elapsedMs: number;
}

export interface DemoSummary extends DemoProgress {
  acceptedSpans: number;
  rejectedSpans: number;
  /** Spans per second through ingestion (generation included). */
  spansPerSecond: number;
  errors: string[];
}

/** A demo sent again must not judge the same answer twice (evaluations are append-only). */
async function unjudged(evaluations: DemoEvaluation[]): Promise<DemoEvaluation[]> {
  if (evaluations.length === 0) return evaluations;
  const done = await db.evaluation.findMany({
    where: { source: "JUDGE", name: { in: [...new Set(evaluations.map((e) => e.name))] }, run: { traceId: { in: evaluations.map((e) => e.traceId) } } },
    select: { run: { select: { traceId: true } } },
  });
  const judged = new Set(done.map((e) => e.run.traceId));
  return evaluations.filter((e) => !judged.has(e.traceId));
}

export async function sendDemo(
  options: DemoOptions & { spansPerRequest?: number; actor?: Actor; onProgress?: (p: DemoProgress) => void },
): Promise<DemoSummary> {
  const started = performance.now();
  const summary: DemoSummary = {
    runs: 0,
    totalRuns: options.runs,
    spans: 0,
    requests: 0,
    elapsedMs: 0,
    acceptedSpans: 0,
    rejectedSpans: 0,
    spansPerSecond: 0,
    errors: [],
  };
  for (const batch of demoBatches(options, options.spansPerRequest ?? 500)) {
    const result = await ingestOtlpJson(options.actor ?? DEMO_ACTOR, batch.request);
    summary.requests += 1;
    summary.spans += batch.spans;
    summary.runs += batch.runsCompleted;
    summary.acceptedSpans += result.acceptedSpans;
    summary.rejectedSpans += result.rejectedSpans;
    if (result.errorMessage && summary.errors.length < 5) summary.errors.push(result.errorMessage);
    const evaluations = await unjudged(batch.evaluations);
    if (evaluations.length > 0) {
      const judged = await ingestNativeBatch(options.actor ?? DEMO_ACTOR, { evaluations });
      if (judged.errors.length > 0 && summary.errors.length < 5) summary.errors.push(judged.errors[0]!.message);
    }
    summary.elapsedMs = performance.now() - started;
    options.onProgress?.({ runs: summary.runs, totalRuns: options.runs, spans: summary.spans, requests: summary.requests, elapsedMs: summary.elapsedMs });
  }
  summary.elapsedMs = performance.now() - started;
  summary.spansPerSecond = summary.elapsedMs > 0 ? Math.round((summary.spans / summary.elapsedMs) * 1000) : 0;
  return summary;
}
