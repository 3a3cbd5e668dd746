/**
 * What ingestion stores, whatever the source (OTLP span or native API step):
 * one `StepDraft` per span, validated and mapped, before cost and redaction.
 */
import type { OutcomeName, StepKindName } from "@/lib/enums";

export { STEP_KINDS } from "@/lib/enums";
export type { OutcomeName, StepKindName };

/** A JSON value as stored in a Json column. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface DecisionJson {
  chosen: string | null;
  rationale: string | null;
  alternatives: JsonValue[];
  confidence: number | null;
}

export interface StepDraft {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  kind: StepKindName;
  name: string;
  status: "OK" | "FAILED";
  error: string | null;
  startedAt: Date;
  endedAt: Date | null;
  model: string | null;
  provider: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  cachedInputTokens: number | null;
  /** A cost the span carries itself (USD); it wins over the price table. */
  carriedCostUsd: number | null;
  promptName: string | null;
  promptVersion: number | null;
  tool: string | null;
  arguments: JsonValue | null;
  result: JsonValue | null;
  decision: DecisionJson | null;
  inputMessages: JsonValue | null;
  outputMessages: JsonValue | null;
  attributes: { [key: string]: JsonValue };
  /** The agent that produced the span (gen_ai.agent.name). */
  agentName: string | null;
  /** The resource's service.name: the run's agent when no span names one. */
  serviceName: string | null;
  teamName: string | null;
  conversationId: string | null;
  /** Run-level facts a span may carry. */
  runOutcome: OutcomeName | null;
  runOutcomeImpact: string | null;
}

/** Per-span (or per-item) rejection, reported back to the sender. */
export interface Rejection {
  /** Position in the request, e.g. the span's index in document order. */
  index: number;
  traceId?: string;
  spanId?: string;
  message: string;
}
