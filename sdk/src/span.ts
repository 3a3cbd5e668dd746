/**
 * What the SDK puts on the caller's current span, under the attribute names
 * Flightdeck's ingestion reads (lib/telemetry/mapping.ts and
 * lib/escalations/ingest-hook.ts): the agent, the prompt name and version,
 * the escalation a tool call executes. Without an active span (or without an
 * OpenTelemetry SDK registered) nothing happens.
 */
import { trace, type AttributeValue, type Span } from "@opentelemetry/api";

export const ATTR = {
  agent: "gen_ai.agent.name",
  promptName: "flightdeck.prompt.name",
  promptVersion: "flightdeck.prompt.version",
  promptLabel: "flightdeck.prompt.label",
  escalationId: "flightdeck.escalation.id",
  escalationStatus: "flightdeck.escalation.status",
  toolArguments: "gen_ai.tool.call.arguments",
  reservationId: "flightdeck.budget.reservation_id",
  reservationEstimate: "flightdeck.budget.estimated_cost_usd",
  reservationRemaining: "flightdeck.budget.remaining_usd",
} as const;

export function activeSpan(): Span | undefined {
  const span = trace.getActiveSpan();
  return span && span.isRecording() ? span : undefined;
}

export function tagSpan(attributes: Record<string, AttributeValue | null | undefined>): void {
  const span = activeSpan();
  if (!span) return;
  for (const [key, value] of Object.entries(attributes)) if (value !== null && value !== undefined) span.setAttribute(key, value);
}

/** The current span's trace and span id (hex), when one is active and valid. */
export function activeIds(): { traceId: string; spanId: string } | null {
  const context = trace.getActiveSpan()?.spanContext();
  if (!context || !/^[0-9a-f]{32}$/.test(context.traceId) || /^0+$/.test(context.traceId) || !/^[0-9a-f]{16}$/.test(context.spanId) || /^0+$/.test(context.spanId)) return null;
  return { traceId: context.traceId, spanId: context.spanId };
}
