/**
 * OpenInference's LangChain.js instrumentation, from the real packages (@langchain/core 1.x and
 * @arizeai/openinference-instrumentation-langchain), with a scripted chat model (a real BaseChatModel
 * answering from a list, usage included), reporting through a real NodeTracerProvider and OTLP
 * exporter into the ingest route. Asserts: the CHAIN root as the run's agent step, `agent.name` as the
 * agent (over the service name), the LLM calls with tokens, cached tokens and exact cost, the tool call
 * with its arguments from `input.value` (not the schema), tool calls in messages as nested objects,
 * and the session id from LangChain's metadata as the conversation.
 */
import { randomBytes } from "node:crypto";
import { LangChainInstrumentation } from "@arizeai/openinference-instrumentation-langchain";
import { setAttributes } from "@arizeai/openinference-core";
import * as CallbackManagerModule from "@langchain/core/callbacks/manager";
import { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage, HumanMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import type { ChatResult } from "@langchain/core/outputs";
import { RunnableLambda, type RunnableConfig } from "@langchain/core/runnables";
import { tool } from "@langchain/core/tools";
import { context, trace } from "@opentelemetry/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { priceModel, runOfAgent, startReceiver, startTracing, type Receiver, type Tracing } from "./harness";

const suffix = randomBytes(4).toString("hex");
const MODEL = `fw-lc-model-${suffix}`;
const PRICE = { input: 3, output: 15, cached: 0.3 };
const cost = (input: number, cached: number, output: number) => ((input - cached) * PRICE.input + cached * PRICE.cached + output * PRICE.output) / 1_000_000;

/** A real LangChain chat model that answers from a script (what a provider would have said). */
class ScriptedChatModel extends BaseChatModel {
  private next = 0;
  constructor(private readonly script: AIMessage[]) {
    super({});
  }
  _llmType() {
    return "scripted";
  }
  override invocationParams() {
    return { model: MODEL };
  }
  async _generate(_messages: BaseMessage[]): Promise<ChatResult> {
    const message = this.script[this.next++]!;
    return { generations: [{ message, text: typeof message.content === "string" ? message.content : "" }] };
  }
}

let receiver: Receiver;
let tracing: Tracing;
const instrumentation = new LangChainInstrumentation();

beforeAll(async () => {
  receiver = await startReceiver();
  tracing = startTracing(receiver, "langchain-service");
  instrumentation.setTracerProvider(trace.getTracerProvider());
  instrumentation.manuallyInstrument(CallbackManagerModule);
  await priceModel(MODEL, PRICE.input, PRICE.output, PRICE.cached);
});

afterAll(async () => {
  instrumentation.disable();
  await tracing.shutdown();
  await receiver.close();
});

describe("OpenInference LangChain.js", () => {
  it("a tool-calling chain: agent name, CHAIN root, LLM calls with cost, the tool call's arguments, nested tool calls, session", async () => {
    const agent = `lc-agent-${suffix}`;
    const session = `lc-session-${suffix}`;
    const lookupOrder = tool(async ({ orderId }) => JSON.stringify({ orderId, status: "shipped" }), {
      name: "lookup_order",
      description: "Looks an order up",
      // Two arguments: OpenInference records a one-argument call's input.value as the bare value.
      schema: z.object({ orderId: z.string(), withItems: z.boolean() }),
    });
    const model = new ScriptedChatModel([
      new AIMessage({
        content: "",
        tool_calls: [{ id: "call-1", name: "lookup_order", args: { orderId: "A-17", withItems: false }, type: "tool_call" }],
        // What ChatOpenAI keeps beside them (the instrumentation reads the provider's form).
        additional_kwargs: { tool_calls: [{ id: "call-1", type: "function", function: { name: "lookup_order", arguments: JSON.stringify({ orderId: "A-17", withItems: false }) } }] },
        usage_metadata: { input_tokens: 900, output_tokens: 40, total_tokens: 940, input_token_details: { cache_read: 300 } },
      }),
      new AIMessage({ content: "Order A-17 has shipped.", usage_metadata: { input_tokens: 1000, output_tokens: 20, total_tokens: 1020 } }),
    ]);
    // The config must be passed on: without it the inner runs lose their parent (and their trace).
    const chain = RunnableLambda.from(async (question: string, config?: RunnableConfig) => {
      const messages: BaseMessage[] = [new HumanMessage(question)];
      const first = (await model.invoke(messages, config)) as AIMessage;
      messages.push(first);
      for (const call of first.tool_calls ?? []) {
        messages.push(new ToolMessage({ tool_call_id: call.id!, content: String(await lookupOrder.invoke(call.args as { orderId: string; withItems: boolean }, config)) }));
      }
      const answer = await model.invoke(messages, config);
      return String(answer.content);
    }).withConfig({ runName: "support-chain" });

    const answer = await context.with(setAttributes(context.active(), { "agent.name": agent }), () =>
      chain.invoke("Where is order A-17?", { metadata: { session_id: session } }),
    );
    expect(answer).toBe("Order A-17 has shipped.");

    const run = await runOfAgent(tracing, agent, 4);
    expect(run.steps.map((s) => `${s.kind} ${s.name}`).sort()).toEqual(["AGENT support-chain", "LLM_CALL ScriptedChatModel", "LLM_CALL ScriptedChatModel", "TOOL_CALL lookup_order"]);
    expect(run).toMatchObject({ name: "support-chain", conversationId: session });
    expect(run.agent?.name).toBe(agent);

    const root = run.steps.find((s) => s.kind === "AGENT")!;
    expect(root.parentSpanId).toBeNull();
    const calls = run.steps.filter((s) => s.kind === "LLM_CALL").sort((x, y) => (x.inputTokens ?? 0) - (y.inputTokens ?? 0));
    expect(calls.map((c) => [c.model, c.inputTokens, c.cachedInputTokens, c.outputTokens])).toEqual([
      [MODEL, 900, 300, 40],
      [MODEL, 1000, null, 20],
    ]);
    expect(calls.map((c) => Number(c.costUsd))).toEqual([cost(900, 300, 40), cost(1000, 0, 20)].map((c) => expect.closeTo(c, 12)));
    expect(Number(run.costUsd)).toBeCloseTo(cost(900, 300, 40) + cost(1000, 0, 20), 12);
    expect(run.cachedInputTokens).toBe(300n);

    const first = calls[0]!;
    expect(first.inputMessages).toEqual([{ role: "user", content: "Where is order A-17?" }]);
    // Tool calls as objects, not `tool_calls.0.tool_call.function.name` keys.
    expect(first.outputMessages).toEqual([
      { role: "assistant", content: "", tool_calls: [{ function: { name: "lookup_order", arguments: JSON.stringify({ orderId: "A-17", withItems: false }) } }] },
    ]);
    expect(calls[1]!.outputMessages).toEqual([{ role: "assistant", content: "Order A-17 has shipped." }]);

    const toolStep = run.steps.find((s) => s.kind === "TOOL_CALL")!;
    expect(toolStep).toMatchObject({ tool: "lookup_order", arguments: { orderId: "A-17", withItems: false }, status: "OK", parentSpanId: root.spanId });
    expect(toolStep.result).toEqual({ orderId: "A-17", status: "shipped" });
    expect(toolStep.attributes).toMatchObject({ "flightdeck.mapped_from": { agentName: "agent.name", tool: "tool.name", arguments: "input.value", conversationId: "session.id" } });
  });
});
