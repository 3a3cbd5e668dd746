/**
 * Builds the spans of one agent run (one trace) the way an instrumented agent
 * emits them: an `invoke_agent` root span and, under it, LLM calls, tool
 * calls, decisions and escalation requests, with OpenTelemetry GenAI
 * attribute names and Flightdeck's `flightdeck.*` extensions.
 */
import type { DemoAttr, DemoSpan } from "./otlp";
import type { Rng } from "./prng";

export interface AgentDef {
  name: string;
  team: string;
  version: string;
}

export interface ModelDef {
  /** What the agent asks for (`gen_ai.request.model`). */
  request: string;
  /** What the provider answers (`gen_ai.response.model`), often a dated snapshot. */
  response: string;
  provider: string;
}

type TextPart = { type: "text"; content: string };
type ToolCallPart = { type: "tool_call"; id: string; name: string; arguments: unknown };
type ToolResponsePart = { type: "tool_call_response"; id: string; response: unknown };
export type MessagePart = TextPart | ToolCallPart | ToolResponsePart;
export interface ChatMessage {
  role: "system" | "user" | "assistant" | "tool";
  parts: MessagePart[];
  finish_reason?: string;
}

export const text = (content: string): TextPart => ({ type: "text", content });

export interface LlmCall {
  model: ModelDef;
  prompt: { name: string; version: number };
  system: string;
  user: string;
  /** Extra context sent with the prompt (documents, tool results), in tokens. */
  contextTokens?: number;
  /** Share of the input served from the provider's prompt cache. */
  cachedShare?: number;
  output: string | { toolCall: { name: string; arguments: unknown } };
  temperature?: number;
  durationMs?: number;
}

export interface ToolFailure {
  type: string;
  message: string;
}

export interface Decision {
  topic: string;
  chosen: string;
  rationale: string;
  alternatives: { action: string; reason: string }[];
  confidence: number;
}

export interface EscalationRequest {
  tool: string;
  arguments: Record<string, unknown>;
  reason: string;
  policy: string;
  risk: "low" | "medium" | "high";
  status: "pending" | "approved" | "rejected";
  decidedBy?: string;
  comment?: string;
  waitMs: number;
}

/** Rough token count of a text: about four characters per token in English. */
const tokensOf = (s: string) => Math.max(1, Math.round(s.length / 4));

export class RunBuilder {
  readonly spans: DemoSpan[] = [];
  readonly root: DemoSpan;
  private clock: number;
  private toolCalls = 0;
  private rootSent = true;

  constructor(
    private readonly rng: Rng,
    private readonly ids: Rng,
    readonly agent: AgentDef,
    readonly traceId: string,
    startMs: number,
    readonly conversationId: string,
    task: string,
  ) {
    this.clock = startMs;
    this.root = {
      traceId,
      spanId: ids.hex(8),
      parentSpanId: null,
      name: `invoke_agent ${agent.name}`,
      kind: 1,
      startMs,
      endMs: startMs,
      attributes: {
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.agent.name": agent.name,
        "gen_ai.conversation.id": conversationId,
        "flightdeck.team": agent.team,
        "flightdeck.task": task,
      },
    };
    this.spans.push(this.root);
  }

  get now(): number {
    return this.clock;
  }

  /** Time passes between steps (thinking, network, queueing). */
  wait(ms: number): this {
    this.clock += Math.max(0, Math.round(ms));
    return this;
  }

  private child(name: string, kind: 1 | 3, attributes: Record<string, DemoAttr>, durationMs: number): DemoSpan {
    this.wait(this.rng.int(15, 400));
    const span: DemoSpan = {
      traceId: this.traceId,
      spanId: this.ids.hex(8),
      parentSpanId: this.root.spanId,
      name,
      kind,
      startMs: this.clock,
      endMs: this.clock + Math.max(1, Math.round(durationMs)),
      attributes: { "gen_ai.agent.name": this.agent.name, ...attributes },
    };
    this.clock = span.endMs;
    this.spans.push(span);
    return span;
  }

  llm(call: LlmCall): DemoSpan {
    const input: ChatMessage[] = [
      { role: "system", parts: [text(call.system)] },
      { role: "user", parts: [text(call.user)] },
    ];
    const isToolCall = typeof call.output !== "string";
    const output: ChatMessage[] = [
      typeof call.output === "string"
        ? { role: "assistant", parts: [text(call.output)], finish_reason: "stop" }
        : {
            role: "assistant",
            parts: [{ type: "tool_call", id: `call_${this.rng.hex(6)}`, name: call.output.toolCall.name, arguments: call.output.toolCall.arguments }],
            finish_reason: "tool_calls",
          },
    ];
    // Every call also carries the agent's tool definitions and few-shot examples (which prompt caching serves).
    const toolSchemaTokens = this.rng.around(1_400, 300, 600);
    const inputTokens = tokensOf(call.system) + tokensOf(call.user) + (call.contextTokens ?? 0) + toolSchemaTokens;
    const outputText = typeof call.output === "string" ? call.output : JSON.stringify(call.output.toolCall);
    // Reasoning models bill hidden reasoning tokens as output.
    const reasoningTokens = /^o\d/.test(call.model.request) ? this.rng.around(700, 350, 64) : 0;
    const outputTokens = tokensOf(outputText) + this.rng.int(0, 40) + reasoningTokens;
    const cached = call.cachedShare ? Math.floor(inputTokens * call.cachedShare) : 0;
    const attributes: Record<string, DemoAttr> = {
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": call.model.provider,
      "gen_ai.request.model": call.model.request,
      "gen_ai.response.model": call.model.response,
      "gen_ai.request.temperature": call.temperature ?? 0.2,
      "gen_ai.response.id": `resp_${this.rng.hex(12)}`,
      "gen_ai.response.finish_reasons": [isToolCall ? "tool_calls" : "stop"],
      "gen_ai.usage.input_tokens": inputTokens,
      "gen_ai.usage.output_tokens": outputTokens,
      "gen_ai.conversation.id": this.conversationId,
      "gen_ai.input.messages": JSON.stringify(input),
      "gen_ai.output.messages": JSON.stringify(output),
      "flightdeck.prompt.name": call.prompt.name,
      "flightdeck.prompt.version": call.prompt.version,
    };
    if (cached > 0) attributes["gen_ai.usage.cache_read.input_tokens"] = cached;
    // Latency grows with output length: ~25–60 ms per output token plus time to first token.
    const duration = call.durationMs ?? this.rng.int(250, 900) + outputTokens * this.rng.int(12, 35);
    return this.child(`chat ${call.model.request}`, 3, attributes, duration);
  }

  tool(name: string, args: Record<string, unknown>, outcome: { result: unknown } | { error: ToolFailure }, durationMs?: number): DemoSpan {
    this.toolCalls += 1;
    const attributes: Record<string, DemoAttr> = {
      "gen_ai.operation.name": "execute_tool",
      "gen_ai.tool.name": name,
      "gen_ai.tool.type": "function",
      "gen_ai.tool.call.id": `call_${this.rng.hex(6)}`,
      "gen_ai.tool.call.arguments": JSON.stringify(args),
    };
    if ("result" in outcome) attributes["gen_ai.tool.call.result"] = JSON.stringify(outcome.result);
    else attributes["error.type"] = outcome.error.type;
    const span = this.child(`execute_tool ${name}`, 1, attributes, durationMs ?? this.rng.int(80, 1_400));
    if ("error" in outcome) {
      span.status = { code: 2, message: outcome.error.message };
      span.events = [
        {
          name: "exception",
          timeMs: span.endMs,
          attributes: { "exception.type": outcome.error.type, "exception.message": outcome.error.message },
        },
      ];
    }
    return span;
  }

  decision(d: Decision): DemoSpan {
    return this.child(`decide ${d.topic}`, 1, {
      "flightdeck.decision.chosen": d.chosen,
      "flightdeck.decision.rationale": d.rationale,
      "flightdeck.decision.alternatives": JSON.stringify(d.alternatives),
      "flightdeck.decision.confidence": Math.round(d.confidence * 100) / 100,
    }, this.rng.int(2, 30));
  }

  /** The agent asks for clearance and (unless pending) waits for the decision. */
  escalation(e: EscalationRequest): DemoSpan {
    const attributes: Record<string, DemoAttr> = {
      "flightdeck.step.kind": "ESCALATION",
      "flightdeck.escalation.tool": e.tool,
      "flightdeck.escalation.arguments": JSON.stringify(e.arguments),
      "flightdeck.escalation.reason": e.reason,
      "flightdeck.escalation.policy": e.policy,
      "flightdeck.escalation.risk": e.risk,
      "flightdeck.escalation.status": e.status,
    };
    if (e.decidedBy) attributes["flightdeck.escalation.decided_by"] = e.decidedBy;
    if (e.comment) attributes["flightdeck.escalation.comment"] = e.comment;
    this.root.attributes["flightdeck.run.escalated"] = true;
    return this.child("escalation.request", 1, attributes, e.status === "pending" ? this.rng.int(50, 200) : e.waitMs);
  }

  /** The run ends: the root span closes with the outcome. */
  finish(outcome: "success" | "failure" | "unknown", impact?: string, error?: ToolFailure): void {
    this.wait(this.rng.int(20, 300));
    this.root.endMs = this.clock;
    this.root.attributes["flightdeck.run.outcome"] = outcome;
    if (impact) this.root.attributes["flightdeck.run.outcome_impact"] = impact;
    this.root.attributes["flightdeck.tool_calls"] = this.toolCalls;
    if (error) {
      this.root.status = { code: 2, message: error.message };
      this.root.attributes["error.type"] = error.type;
    }
  }

  /**
   * The run has not ended (it waits for clearance, or it hangs): exporters
   * send only finished spans, so the root span is never sent.
   */
  leaveOpen(): void {
    this.rootSent = false;
  }

  /** Spans as an exporter would send them. */
  exported(): DemoSpan[] {
    return this.rootSent ? this.spans : this.spans.filter((s) => s !== this.root);
  }

  get endMs(): number {
    return this.clock;
  }
}
