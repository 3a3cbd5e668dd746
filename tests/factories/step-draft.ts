/** A mapped step (`StepDraft`) with every optional field empty, for unit tests of what the store does with steps. */
import type { StepDraft } from "@/lib/telemetry/types";

export function stepDraft(overrides: Partial<StepDraft> & Pick<StepDraft, "spanId">): StepDraft {
  return {
    traceId: "0af7651916cd43dd8448eb211c80319c",
    parentSpanId: null,
    kind: "OTHER",
    name: overrides.spanId,
    status: "OK",
    error: null,
    startedAt: new Date("2026-11-20T10:00:00.000Z"),
    endedAt: null,
    model: null,
    provider: null,
    inputTokens: null,
    outputTokens: null,
    cachedInputTokens: null,
    carriedCostUsd: null,
    promptName: null,
    promptVersion: null,
    tool: null,
    arguments: null,
    result: null,
    decision: null,
    inputMessages: null,
    outputMessages: null,
    attributes: {},
    agentName: null,
    serviceName: null,
    teamName: null,
    conversationId: null,
    runOutcome: null,
    runOutcomeImpact: null,
    ...overrides,
  };
}
