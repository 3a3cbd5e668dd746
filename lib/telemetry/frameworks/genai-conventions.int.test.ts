/**
 * The OpenTelemetry GenAI conventions as they stand now, written by hand with the real OpenTelemetry
 * Node SDK (as an app instrumenting itself does) and sent by its OTLP exporter into the ingest route:
 * an agent span naming its agent and conversation (over the service name), a chat call with the
 * current cache attributes (reads priced at the cached rate; writes, not modelled, kept as attributes),
 * a tool call carrying the proposed tool-call decision, and an `apply_guardrail` span with its
 * `gen_ai.guardrail.result` event shown as a decision; a `gen_ai.evaluation.result` event stored as an evaluation of its step.
 */
import { randomBytes } from "node:crypto";
import { context, trace } from "@opentelemetry/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { priceModel, startReceiver, startTracing, storedRun, type Receiver, type Tracing } from "./harness";

const suffix = randomBytes(4).toString("hex");
const MODEL = `fw-genai-model-${suffix}`;

let receiver: Receiver;
let tracing: Tracing;

beforeAll(async () => {
  receiver = await startReceiver();
  tracing = startTracing(receiver, "genai-service");
  await priceModel(MODEL, 2, 8, 0.2);
});

afterAll(async () => {
  await tracing.shutdown();
  await receiver.close();
});

describe("OTel GenAI conventions (current)", () => {
  it("agent over service name, cache reads priced, cache writes kept, tool decision and guardrail result as decisions", async () => {
    const agent = `genai-agent-${suffix}`;
    const tracer = tracing.tracer;
    const root = tracer.startSpan(`invoke_agent ${agent}`, { attributes: { "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": agent, "gen_ai.conversation.id": `genai-conv-${suffix}` } });
    const traceId = root.spanContext().traceId;
    await context.with(trace.setSpan(context.active(), root), async () => {
      const chat = tracer.startSpan(`chat ${MODEL}`, {
        attributes: {
          "gen_ai.operation.name": "chat",
          "gen_ai.provider.name": "openai",
          "gen_ai.request.model": MODEL,
          "gen_ai.usage.input_tokens": 1000,
          "gen_ai.usage.output_tokens": 100,
          "gen_ai.usage.cache_read.input_tokens": 600,
          "gen_ai.usage.cache_write.input_tokens": 50,
          "gen_ai.usage.cache_creation.input_tokens": 50,
          "gen_ai.input.messages": JSON.stringify([{ role: "user", parts: [{ type: "text", content: "Refund order 7" }] }]),
          "gen_ai.output.messages": JSON.stringify([{ role: "assistant", parts: [{ type: "tool_call", id: "c1", name: "refund", arguments: { order: 7 } }] }]),
        },
      });
      chat.addEvent("gen_ai.evaluation.result", { "gen_ai.evaluation.name": "relevance", "gen_ai.evaluation.score.value": 0.9, "gen_ai.evaluation.score.label": "relevant", "gen_ai.evaluation.explanation": "names the order" });
      chat.end();
      const guard = tracer.startSpan("apply_guardrail refund-policy", { attributes: { "gen_ai.operation.name": "apply_guardrail", "gen_ai.guardrail.name": "refund-policy" } });
      guard.addEvent("gen_ai.guardrail.result", { "gen_ai.guardrail.decision.type": "deny", "gen_ai.guardrail.decision.reason": "amount above limit" });
      guard.end();
      const tool = tracer.startSpan("execute_tool refund", {
        attributes: { "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "refund", "gen_ai.tool.call.arguments": '{"order":7}', "gen_ai.tool.call.decision": "require_approval" },
      });
      tool.end();
    });
    root.end();
    await tracing.flush();

    const run = await storedRun(traceId);
    expect(run.agent?.name).toBe(agent);
    expect(run.conversationId).toBe(`genai-conv-${suffix}`);
    expect(run.steps.map((s) => s.kind).sort()).toEqual(["AGENT", "DECISION", "LLM_CALL", "TOOL_CALL"]);
    const chat = run.steps.find((s) => s.kind === "LLM_CALL")!;
    expect(chat).toMatchObject({ model: MODEL, inputTokens: 1000, cachedInputTokens: 600, outputTokens: 100 });
    // 400 × 2 + 600 × 0.2 + 100 × 8 per million.
    expect(Number(chat.costUsd)).toBeCloseTo((400 * 2 + 600 * 0.2 + 100 * 8) / 1_000_000, 12);
    expect(chat.attributes).toMatchObject({ "gen_ai.usage.cache_write.input_tokens": 50, "gen_ai.usage.cache_creation.input_tokens": 50 });
    expect(chat.outputMessages).toEqual([{ role: "assistant", parts: [{ type: "tool_call", id: "c1", name: "refund", arguments: { order: 7 } }] }]);
    expect(run.steps.find((s) => s.kind === "DECISION")).toMatchObject({ name: "apply_guardrail refund-policy", decision: { chosen: "deny", rationale: "amount above limit" } });
    // The chat's gen_ai.evaluation.result event is an evaluation of its step.
    const evaluations = await db.evaluation.findMany({ where: { run: { traceId } }, select: { name: true, score: true, label: true, comment: true, stepId: true } });
    expect(evaluations).toEqual([{ name: "relevance", score: 0.9, label: "relevant", comment: "names the order", stepId: chat.id }]);
    expect(run.steps.find((s) => s.kind === "TOOL_CALL")).toMatchObject({ tool: "refund", arguments: { order: 7 }, decision: { chosen: "require_approval" } });
  });
});
