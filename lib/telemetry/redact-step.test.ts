import { describe, expect, it } from "vitest";
import { createRedactor } from "@/lib/redaction/redactor";
import { redactStep, redactSteps } from "./redact-step";
import type { StepDraft } from "./types";

const redactor = createRedactor({ enabled: true, builtins: {}, custom: [] });

const step = (content: string): StepDraft => ({
  traceId: "0af7651916cd43dd8448eb211c80319c",
  spanId: "b7ad6b7169203331",
  parentSpanId: null,
  kind: "LLM_CALL",
  name: "chat for jane.doe@example.com",
  status: "OK",
  error: null,
  startedAt: new Date("2026-11-20T10:00:00Z"),
  endedAt: null,
  model: "gpt-4o",
  provider: null,
  inputTokens: 1,
  outputTokens: 1,
  cachedInputTokens: null,
  carriedCostUsd: null,
  promptName: null,
  promptVersion: null,
  tool: null,
  arguments: null,
  result: null,
  decision: null,
  inputMessages: [{ role: "user", content }],
  outputMessages: null,
  attributes: { note: content },
  agentName: null,
  serviceName: null,
  teamName: null,
  conversationId: null,
  runOutcome: null,
  runOutcomeImpact: null,
});

describe("redactSteps", () => {
  it("redacts long texts ahead, with pauses, to exactly what the synchronous walk gives", async () => {
    const long = `${"The supplier confirmed the delivery. ".repeat(4000)} write to jane.doe@example.com or call +44 20 7946 0958`;
    expect(long.length).toBeGreaterThan(64 * 1024);
    const [asynchronous] = await redactSteps([step(long)], redactor);
    const synchronous = redactStep(step(long), redactor);
    expect(asynchronous).toEqual(synchronous);
    expect(JSON.stringify(asynchronous!.step)).not.toContain("jane.doe@example.com");
    expect(asynchronous!.redactions).toBe(5); // name, and e-mail + phone twice (message and attribute)
  });
});
