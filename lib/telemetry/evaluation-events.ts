/**
 * `gen_ai.evaluation.result` span events (OpenTelemetry GenAI conventions) as
 * evaluations of the span's step: `gen_ai.evaluation.name`,
 * `gen_ai.evaluation.score.value`, `gen_ai.evaluation.score.label`,
 * `gen_ai.evaluation.explanation`. Our scores are 0–1: a value outside that
 * range is kept in the comment (with the label) rather than stored wrongly.
 * The events also stay on the step's `otel.events`, as sent.
 */
import type { OtlpSpan } from "./otlp";
import type { NativeEvaluation } from "./schemas";

export const EVALUATION_EVENT = "gen_ai.evaluation.result";
const NAME_MAX = 200;
const TEXT_MAX = 10_000;
const HEX_TRACE = /^[0-9a-f]{32}$/;
const HEX_SPAN = /^[0-9a-f]{16}$/;

const text = (v: unknown): string | null => (typeof v === "string" && v.trim() !== "" ? v : null);

function score(v: unknown): number | null {
  const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : NaN;
  return Number.isFinite(n) ? n : null;
}

/** The evaluations a span's events carry (none for most spans: one length check). */
export function evaluationsOfSpan(span: OtlpSpan): NativeEvaluation[] {
  if (span.events.length === 0) return [];
  if (!HEX_TRACE.test(span.traceId) || !HEX_SPAN.test(span.spanId)) return [];
  const out: NativeEvaluation[] = [];
  for (const event of span.events) {
    if (event.name !== EVALUATION_EVENT) continue;
    const a = event.attributes;
    const name = (text(a["gen_ai.evaluation.name"]) ?? "evaluation").slice(0, NAME_MAX);
    const value = score(a["gen_ai.evaluation.score.value"]);
    const label = text(a["gen_ai.evaluation.score.label"])?.slice(0, NAME_MAX) ?? null;
    const explanation = text(a["gen_ai.evaluation.explanation"]);
    const inRange = value !== null && value >= 0 && value <= 1;
    const comment = [value !== null && !inRange ? `score ${value} (outside 0–1, not stored as the score)` : null, explanation].filter(Boolean).join(" — ");
    out.push({
      traceId: span.traceId,
      spanId: span.spanId,
      kind: "OUTPUT",
      source: "EXTERNAL",
      name,
      score: inRange ? value : null,
      passed: null,
      label,
      comment: comment ? comment.slice(0, TEXT_MAX) : null,
    });
  }
  return out;
}
