/**
 * Synthetic but realistic GenAI traffic for the ingestion benchmark: batches
 * of 1,000 spans, 50 agent runs of 20 spans each (an invoke_agent root, 12
 * chat calls with tokens and messages, 6 tool calls, one decision).
 */
import { randomBytes } from "node:crypto";
import { create, toBinary } from "@bufbuild/protobuf";
import {
  ExportTraceServiceRequestSchema,
  KeyValueSchema,
  SpanSchema,
  type AnyValue,
  type KeyValue,
  type Span,
} from "../../lib/telemetry/proto/gen/flightdeck/otlp/trace_pb";

type Plain = string | number | boolean;

function kv(attributes: Record<string, Plain>): KeyValue[] {
  return Object.entries(attributes).map(([key, v]) => {
    let value: AnyValue["value"];
    if (typeof v === "string") value = { case: "stringValue", value: v };
    else if (typeof v === "boolean") value = { case: "boolValue", value: v };
    else if (Number.isInteger(v)) value = { case: "intValue", value: BigInt(v) };
    else value = { case: "doubleValue", value: v };
    return create(KeyValueSchema, { key, value: { value } });
  });
}

const AGENTS = ["invoice-reconciler", "supplier-negotiator", "ticket-router", "kpi-monitor"];
const MODELS = ["gpt-4o-mini", "gpt-4o", "claude-sonnet-4", "gemini-2.5-flash"];
const TOOLS = ["erp.lookup_invoice", "email.send", "crm.assign", "kpi.query"];

export const SPANS_PER_RUN = 20;

/** One batch of `runs × 20` spans with fresh trace ids, started `ageMs` ago. */
export function spanBatch(runs = 50, ageMs = 60_000): Span[] {
  const spans: Span[] = [];
  const base = BigInt(Date.now() - ageMs) * 1_000_000n;
  const ms = (n: number) => base + BigInt(n) * 1_000_000n;
  for (let r = 0; r < runs; r++) {
    const traceId = randomBytes(16);
    const rootId = randomBytes(8);
    const agent = AGENTS[r % AGENTS.length]!;
    const span = (name: string, start: number, end: number, attributes: Record<string, Plain>, parent: Uint8Array | null, error?: string): Span =>
      create(SpanSchema, {
        traceId,
        spanId: parent ? randomBytes(8) : rootId,
        parentSpanId: parent ?? new Uint8Array(0),
        name,
        kind: 1,
        startTimeUnixNano: ms(start),
        endTimeUnixNano: ms(end),
        attributes: kv(attributes),
        events: [],
        status: error ? { code: 2, message: error } : { code: 0, message: "" },
      });
    spans.push(span(`invoke_agent ${agent}`, 0, 20_000, { "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": agent, "flightdeck.team": "bench" }, null));
    for (let i = 0; i < 12; i++) {
      const model = MODELS[(r + i) % MODELS.length]!;
      spans.push(
        span(`chat ${model}`, 100 + i * 1000, 900 + i * 1000, {
          "gen_ai.operation.name": "chat",
          "gen_ai.provider.name": "openai",
          "gen_ai.request.model": model,
          "gen_ai.agent.name": agent,
          "gen_ai.usage.input_tokens": 800 + ((r * 13 + i * 7) % 400),
          "gen_ai.usage.output_tokens": 120 + ((r + i) % 80),
          "gen_ai.usage.cache_read.input_tokens": i % 3 === 0 ? 256 : 0,
          "flightdeck.prompt.name": `${agent}-main`,
          "flightdeck.prompt.version": 1 + (i % 3),
          "gen_ai.request.temperature": 0.2,
          "gen_ai.input.messages": JSON.stringify([
            { role: "system", parts: [{ type: "text", content: "You reconcile supplier invoices against purchase orders." }] },
            { role: "user", parts: [{ type: "text", content: `Invoice ${r}-${i}: 3 lines, total 1,240.00 EUR, PO 4711.` }] },
          ]),
          "gen_ai.output.messages": JSON.stringify([
            { role: "assistant", parts: [{ type: "text", content: "Line 2 differs from the PO by 40.00 EUR; checking the ERP." }], finish_reason: "stop" },
          ]),
        }, rootId),
      );
    }
    for (let i = 0; i < 6; i++) {
      const tool = TOOLS[(r + i) % TOOLS.length]!;
      spans.push(
        span(
          `execute_tool ${tool}`,
          13_000 + i * 900,
          13_500 + i * 900,
          { "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": tool, "gen_ai.tool.call.arguments": `{"id":"${r}-${i}","amount":${100 + i}}`, "gen_ai.tool.call.result": '{"ok":true}' },
          rootId,
          i === 5 && r % 10 === 0 ? "upstream timeout" : undefined,
        ),
      );
    }
    spans.push(
      span("decide", 19_000, 19_100, {
        "flightdeck.decision.chosen": "approve_payment",
        "flightdeck.decision.rationale": "All lines match within tolerance.",
        "flightdeck.decision.alternatives": '["hold","escalate"]',
        "flightdeck.decision.confidence": 0.86,
      }, rootId),
    );
  }
  return spans;
}

export function encodeBatch(spans: Span[]): Uint8Array {
  const request = create(ExportTraceServiceRequestSchema, {
    resourceSpans: [{ resource: { attributes: kv({ "service.name": "bench-agents" }) }, scopeSpans: [{ scope: { name: "bench" }, spans }] }],
  });
  return toBinary(ExportTraceServiceRequestSchema, request);
}

/**
 * A pre-encoded batch that can be re-sent with fresh trace and span ids:
 * `fresh()` copies the bytes and overwrites every id (parent links included)
 * with new random bytes, so each request carries new spans for the price of a
 * buffer copy instead of a protobuf encode on the load generator.
 */
export interface BatchTemplate {
  bytes: Uint8Array;
  spans: number;
  fresh(): Uint8Array;
}

export function batchTemplate(runs = 50): BatchTemplate {
  return batchTemplateOf(spanBatch(runs));
}

/** The template of these spans (e.g. spanBatch's, altered). */
export function batchTemplateOf(spans: Span[]): BatchTemplate {
  const bytes = encodeBatch(spans);
  const buffer = Buffer.from(bytes);
  // Every place each id occurs in the encoding (random 16- and 8-byte ids do not occur by chance elsewhere).
  const ids = new Map<string, Uint8Array>();
  for (const s of spans) {
    ids.set(Buffer.from(s.traceId).toString("hex"), s.traceId);
    ids.set(Buffer.from(s.spanId).toString("hex"), s.spanId);
  }
  const places: { offsets: number[]; length: number }[] = [];
  for (const id of ids.values()) {
    const offsets: number[] = [];
    for (let at = buffer.indexOf(id); at !== -1; at = buffer.indexOf(id, at + id.length)) offsets.push(at);
    places.push({ offsets, length: id.length });
  }
  return {
    bytes,
    spans: spans.length,
    fresh() {
      const copy = Buffer.from(buffer);
      for (const { offsets, length } of places) {
        const id = randomBytes(length);
        for (const at of offsets) id.copy(copy, at);
      }
      return copy;
    },
  };
}
