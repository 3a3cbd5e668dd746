/**
 * The Vercel AI SDK's own telemetry (`experimental_telemetry`), from the real packages: AI SDK 6 (`ai`,
 * the newest major that runs on Node 20; 7 needs Node 22) and AI SDK 5 (`ai-v5`), each with its mock
 * language model, reporting through a real NodeTracerProvider and OTLP exporter into the ingest route.
 * Asserts what a user sees: the steps and kinds, tokens and cached tokens, exact cost, the tool call,
 * the messages, the agent (functionId) and the run fields from the telemetry metadata.
 */
import { randomBytes } from "node:crypto";
import { generateObject, generateText, stepCountIs, streamText, tool } from "ai";
import { MockLanguageModelV3, simulateReadableStream } from "ai/test";
import * as v5 from "ai-v5";
import { MockLanguageModelV2, simulateReadableStream as simulateReadableStreamV5 } from "ai-v5/test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { priceModel, runOfAgent, startReceiver, startTracing, type Receiver, type Tracing } from "./harness";

// Per million tokens: input 2, output 10, cached input 0.5.
const PRICE = { input: 2, output: 10, cached: 0.5 };
const cost = (input: number, cached: number, output: number) => ((input - cached) * PRICE.input + cached * PRICE.cached + output * PRICE.output) / 1_000_000;

let receiver: Receiver;
let tracing: Tracing;
const suffix = randomBytes(4).toString("hex");
const MODEL_V6 = `fw-mock-v6-${suffix}`;
const MODEL_V5 = `fw-mock-v5-${suffix}`;

beforeAll(async () => {
  receiver = await startReceiver();
  tracing = startTracing(receiver, "ai-sdk-service");
  await priceModel(MODEL_V6, PRICE.input, PRICE.output, PRICE.cached);
  await priceModel(MODEL_V5, PRICE.input, PRICE.output, PRICE.cached);
});

afterAll(async () => {
  await tracing.shutdown();
  await receiver.close();
});

const lookupOrderInput = z.object({ orderId: z.string() });
const order = { orderId: "A-17", status: "shipped" };
const metadata = (conversation: string) => ({ sessionId: conversation, team: `support-${suffix}`, promptName: `triage-${suffix}`, promptVersion: 3, userId: "u-1" });

type Run = Awaited<ReturnType<typeof runOfAgent>>;
type Step = Run["steps"][number];

/** What both majors must give for one generateText call with one tool round trip. */
function expectToolLoop(run: Run, agent: string, conversation: string, model: string, usage: { input: number; cached: number; output: number }[], outerInput: number) {
  const kinds = run.steps.map((s) => `${s.kind} ${s.name}`).sort();
  expect(kinds).toEqual(["AGENT ai.generateText", "LLM_CALL ai.generateText.doGenerate", "LLM_CALL ai.generateText.doGenerate", "TOOL_CALL ai.toolCall"]);
  expect(run.agent?.name).toBe(agent);
  expect(run.team?.name).toBe(`support-${suffix}`);
  expect(run.conversationId).toBe(conversation);
  expect(run.name).toBe("ai.generateText");

  const root = run.steps.find((s) => s.kind === "AGENT")!;
  expect(root.parentSpanId).toBeNull();
  // The outer span's usage repeats its calls' (AI SDK 6: their sum; 5: the last one's): kept as attributes, never counted.
  expect(root).toMatchObject({ inputTokens: null, costUsd: null });
  const attributes = root.attributes as Record<string, unknown>;
  expect(attributes["ai.usage.inputTokens"] ?? attributes["ai.usage.promptTokens"]).toBe(outerInput);
  expect(root.inputMessages).toEqual([{ role: "user", content: "Where is order A-17?" }]);
  expect(root.outputMessages).toEqual([{ role: "assistant", content: "Order A-17 has shipped." }]);

  const calls = run.steps.filter((s) => s.kind === "LLM_CALL").sort((x, y) => (x.inputTokens ?? 0) - (y.inputTokens ?? 0));
  calls.forEach((call, i) => {
    expect(call).toMatchObject({ model, provider: "mock-provider", inputTokens: usage[i]!.input, cachedInputTokens: usage[i]!.cached, outputTokens: usage[i]!.output, promptName: `triage-${suffix}`, promptVersion: 3, unpriced: false });
    expect(Number(call.costUsd)).toBeCloseTo(cost(usage[i]!.input, usage[i]!.cached, usage[i]!.output), 12);
    expect(call.parentSpanId).toBe(root.spanId);
  });
  const [first, second] = calls as [Step, Step];
  expect(first.inputMessages).toEqual([{ role: "user", content: [{ type: "text", text: "Where is order A-17?" }] }]);
  expect(first.outputMessages).toEqual([{ role: "assistant", content: [{ type: "tool-call", toolCallId: "call-1", toolName: "lookupOrder", input: { orderId: "A-17" } }] }]);
  expect(second.outputMessages).toEqual([{ role: "assistant", content: "Order A-17 has shipped." }]);
  expect(first.attributes).toMatchObject({
    "flightdeck.mapped_from": { agentName: "ai.telemetry.functionId", conversationId: "ai.telemetry.metadata.sessionId", teamName: "ai.telemetry.metadata.team", promptName: "ai.telemetry.metadata.promptName", inputMessages: "ai.prompt.messages" },
    "ai.telemetry.metadata.userId": "u-1",
  });

  const toolStep = run.steps.find((s) => s.kind === "TOOL_CALL")!;
  expect(toolStep).toMatchObject({ tool: "lookupOrder", arguments: { orderId: "A-17" }, result: order, status: "OK", parentSpanId: root.spanId });
  expect(toolStep.attributes).toMatchObject({ "ai.toolCall.id": "call-1", "flightdeck.mapped_from": { tool: "ai.toolCall.name", arguments: "ai.toolCall.args", result: "ai.toolCall.result" } });

  const total = usage.reduce((sum, u) => sum + cost(u.input, u.cached, u.output), 0);
  expect(Number(run.costUsd)).toBeCloseTo(total, 12);
  expect(run.inputTokens).toBe(BigInt(usage.reduce((sum, u) => sum + u.input, 0)));
  expect(run.cachedInputTokens).toBe(BigInt(usage.reduce((sum, u) => sum + u.cached, 0)));
  expect(run.outputTokens).toBe(BigInt(usage.reduce((sum, u) => sum + u.output, 0)));
}

describe("Vercel AI SDK 6 telemetry", () => {
  const usage = (input: number, cached: number, output: number) => ({
    inputTokens: { total: input, noCache: input - cached, cacheRead: cached, cacheWrite: undefined },
    outputTokens: { total: output, text: output, reasoning: undefined },
  });

  it("generateText with a tool: agent, model calls with cached tokens and exact cost, the tool call, messages, metadata", async () => {
    const agent = `support-agent-v6-${suffix}`;
    const conversation = `conv-v6-${suffix}`;
    const model = new MockLanguageModelV3({
      provider: "mock-provider",
      modelId: MODEL_V6,
      doGenerate: [
        { content: [{ type: "tool-call", toolCallId: "call-1", toolName: "lookupOrder", input: JSON.stringify({ orderId: "A-17" }) }], finishReason: { unified: "tool-calls", raw: "tool_calls" }, usage: usage(1000, 400, 50), warnings: [] },
        { content: [{ type: "text", text: "Order A-17 has shipped." }], finishReason: { unified: "stop", raw: "stop" }, usage: usage(1200, 800, 30), warnings: [] },
      ],
    });
    const result = await generateText({
      model,
      prompt: "Where is order A-17?",
      tools: { lookupOrder: tool({ description: "Looks an order up", inputSchema: lookupOrderInput, execute: async () => order }) },
      stopWhen: stepCountIs(3),
      experimental_telemetry: { isEnabled: true, functionId: agent, metadata: metadata(conversation) },
    });
    expect(result.text).toBe("Order A-17 has shipped.");
    expectToolLoop(await runOfAgent(tracing, agent, 4), agent, conversation, MODEL_V6, [
      { input: 1000, cached: 400, output: 50 },
      { input: 1200, cached: 800, output: 30 },
    ], 2200);
  });

  it("streamText: the doStream call with its tokens, cached tokens, cost and streamed text", async () => {
    const agent = `stream-agent-v6-${suffix}`;
    const model = new MockLanguageModelV3({
      provider: "mock-provider",
      modelId: MODEL_V6,
      doStream: {
        stream: simulateReadableStream({
          chunks: [
            { type: "stream-start", warnings: [] },
            { type: "text-start", id: "t1" },
            { type: "text-delta", id: "t1", delta: "Hello, " },
            { type: "text-delta", id: "t1", delta: "world." },
            { type: "text-end", id: "t1" },
            { type: "finish", finishReason: { unified: "stop", raw: "stop" }, usage: usage(500, 100, 20) },
          ],
        }),
      },
    });
    const result = streamText({ model, system: "Be brief.", prompt: "Greet me.", experimental_telemetry: { isEnabled: true, functionId: agent, metadata: { conversationId: `conv-s-${suffix}` } } });
    expect(await result.text).toBe("Hello, world.");
    const run = await runOfAgent(tracing, agent, 2);
    expect(run.steps.map((s) => `${s.kind} ${s.name}`).sort()).toEqual(["AGENT ai.streamText", "LLM_CALL ai.streamText.doStream"]);
    expect(run.conversationId).toBe(`conv-s-${suffix}`);
    const call = run.steps.find((s) => s.kind === "LLM_CALL")!;
    expect(call).toMatchObject({ model: MODEL_V6, inputTokens: 500, cachedInputTokens: 100, outputTokens: 20 });
    expect(Number(call.costUsd)).toBeCloseTo(cost(500, 100, 20), 12);
    expect(call.outputMessages).toEqual([{ role: "assistant", content: "Hello, world." }]);
    expect(call.inputMessages).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: [{ type: "text", text: "Greet me." }] },
    ]);
    const root = run.steps.find((s) => s.kind === "AGENT")!;
    expect(root.inputMessages).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: "Greet me." },
    ]);
    expect(Number(run.costUsd)).toBeCloseTo(cost(500, 100, 20), 12);
  });

  it("generateObject: the object as the call's output", async () => {
    const agent = `object-agent-v6-${suffix}`;
    const model = new MockLanguageModelV3({
      provider: "mock-provider",
      modelId: MODEL_V6,
      doGenerate: { content: [{ type: "text", text: JSON.stringify({ priority: "high" }) }], finishReason: { unified: "stop", raw: "stop" }, usage: usage(300, 0, 10), warnings: [] },
    });
    const { object } = await generateObject({ model, schema: z.object({ priority: z.string() }), prompt: "Classify.", experimental_telemetry: { isEnabled: true, functionId: agent } });
    expect(object).toEqual({ priority: "high" });
    const run = await runOfAgent(tracing, agent, 2);
    expect(run.steps.map((s) => `${s.kind} ${s.name}`).sort()).toEqual(["AGENT ai.generateObject", "LLM_CALL ai.generateObject.doGenerate"]);
    const call = run.steps.find((s) => s.kind === "LLM_CALL")!;
    expect(call).toMatchObject({ inputTokens: 300, outputTokens: 10, outputMessages: [{ role: "assistant", content: { priority: "high" } }] });
    expect(Number(run.costUsd)).toBeCloseTo(cost(300, 0, 10), 12);
  });
});

describe("Vercel AI SDK 5 telemetry", () => {
  it("generateText with a tool: cached tokens from the provider metadata (AI SDK 5 reports them nowhere else here)", async () => {
    const agent = `support-agent-v5-${suffix}`;
    const conversation = `conv-v5-${suffix}`;
    // Anthropic's provider metadata carries its raw usage, with the cache reads.
    const anthropic = (cached: number) => ({ anthropic: { usage: { input_tokens: 0, cache_read_input_tokens: cached }, cacheCreationInputTokens: 0 } });
    const model = new MockLanguageModelV2({
      provider: "mock-provider",
      modelId: MODEL_V5,
      doGenerate: [
        { content: [{ type: "tool-call", toolCallId: "call-1", toolName: "lookupOrder", input: JSON.stringify({ orderId: "A-17" }) }], finishReason: "tool-calls", usage: { inputTokens: 1000, outputTokens: 50, totalTokens: 1050, cachedInputTokens: 400 }, providerMetadata: anthropic(400), warnings: [] },
        { content: [{ type: "text", text: "Order A-17 has shipped." }], finishReason: "stop", usage: { inputTokens: 1200, outputTokens: 30, totalTokens: 1230, cachedInputTokens: 800 }, providerMetadata: anthropic(800), warnings: [] },
      ],
    });
    const result = await v5.generateText({
      model,
      prompt: "Where is order A-17?",
      tools: { lookupOrder: v5.tool({ description: "Looks an order up", inputSchema: lookupOrderInput, execute: async () => order }) },
      stopWhen: v5.stepCountIs(3),
      experimental_telemetry: { isEnabled: true, functionId: agent, metadata: metadata(conversation) },
    });
    expect(result.text).toBe("Order A-17 has shipped.");
    const run = await runOfAgent(tracing, agent, 4);
    expectToolLoop(run, agent, conversation, MODEL_V5, [
      { input: 1000, cached: 400, output: 50 },
      { input: 1200, cached: 800, output: 30 },
    ], 1200);
    const call = run.steps.find((s) => s.kind === "LLM_CALL")!;
    expect(call.attributes).toMatchObject({ "flightdeck.mapped_from": { cachedInputTokens: "ai.response.providerMetadata" } });
  });

  it("streamText: tokens and cached tokens from ai.usage.*", async () => {
    const agent = `stream-agent-v5-${suffix}`;
    const model = new MockLanguageModelV2({
      provider: "mock-provider",
      modelId: MODEL_V5,
      doStream: {
        stream: simulateReadableStreamV5({
          chunks: [
            { type: "stream-start", warnings: [] },
            { type: "text-start", id: "t1" },
            { type: "text-delta", id: "t1", delta: "Hello." },
            { type: "text-end", id: "t1" },
            { type: "finish", finishReason: "stop", usage: { inputTokens: 500, outputTokens: 20, totalTokens: 520, cachedInputTokens: 100 } },
          ],
        }),
      },
    });
    const result = v5.streamText({ model, prompt: "Greet me.", experimental_telemetry: { isEnabled: true, functionId: agent, metadata: { thread_id: `conv-s5-${suffix}` } } });
    expect(await result.text).toBe("Hello.");
    const run = await runOfAgent(tracing, agent, 2);
    expect(run.steps.map((s) => `${s.kind} ${s.name}`).sort()).toEqual(["AGENT ai.streamText", "LLM_CALL ai.streamText.doStream"]);
    expect(run.conversationId).toBe(`conv-s5-${suffix}`);
    const call = run.steps.find((s) => s.kind === "LLM_CALL")!;
    expect(call).toMatchObject({ inputTokens: 500, cachedInputTokens: 100, outputTokens: 20, outputMessages: [{ role: "assistant", content: "Hello." }] });
    expect(Number(run.costUsd)).toBeCloseTo(cost(500, 100, 20), 12);
  });
});
