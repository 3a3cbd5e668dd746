/**
 * Spans for ingestion tests, written once and rendered both as OTLP/JSON and
 * as OTLP protobuf, with exact control over every field: attribute kinds
 * (bigint → intValue, fractional number → doubleValue, arrays, kvlists),
 * times as nanosecond strings (so out-of-range values can be sent), events,
 * status, resource and scope.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import {
  AnyValueSchema,
  ArrayValueSchema,
  ExportTraceServiceRequestSchema,
  KeyValueListSchema,
  KeyValueSchema,
  type AnyValue,
  type KeyValue,
} from "@/lib/telemetry/proto/gen/flightdeck/otlp/trace_pb";

export type AttrSpec = string | number | boolean | bigint | AttrSpec[] | { [key: string]: AttrSpec };

export interface SpanFixture {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** Nanoseconds since the epoch, as a decimal string (may be out of range on purpose). */
  startNanos: string;
  endNanos: string;
  attributes?: Record<string, AttrSpec>;
  events?: { name: string; timeNanos: string; attributes?: Record<string, AttrSpec> }[];
  status?: { code: 0 | 1 | 2; message?: string };
}

export interface RequestFixture {
  resource?: Record<string, AttrSpec>;
  scope?: { name: string; version?: string; attributes?: Record<string, AttrSpec> };
  spans: SpanFixture[];
}

export const nanosOf = (ms: number) => `${BigInt(Math.trunc(ms)) * 1_000_000n}`;

// ───────────── OTLP/JSON ─────────────

function jsonAnyValue(v: AttrSpec): Record<string, unknown> {
  if (typeof v === "string") return { stringValue: v };
  if (typeof v === "boolean") return { boolValue: v };
  if (typeof v === "bigint") return { intValue: v.toString() };
  if (typeof v === "number") return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
  if (Array.isArray(v)) return { arrayValue: { values: v.map(jsonAnyValue) } };
  return { kvlistValue: { values: jsonKeyValues(v) } };
}

const jsonKeyValues = (a: Record<string, AttrSpec> = {}) => Object.entries(a).map(([key, value]) => ({ key, value: jsonAnyValue(value) }));

export function otlpJsonRequest(request: RequestFixture) {
  return {
    resourceSpans: [
      {
        resource: { attributes: jsonKeyValues(request.resource) },
        scopeSpans: [
          {
            scope: { name: request.scope?.name ?? "tests", version: request.scope?.version ?? "1", attributes: jsonKeyValues(request.scope?.attributes) },
            spans: request.spans.map((s) => ({
              traceId: s.traceId,
              spanId: s.spanId,
              ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
              name: s.name,
              kind: 1,
              startTimeUnixNano: s.startNanos,
              endTimeUnixNano: s.endNanos,
              attributes: jsonKeyValues(s.attributes),
              events: (s.events ?? []).map((e) => ({ name: e.name, timeUnixNano: e.timeNanos, attributes: jsonKeyValues(e.attributes) })),
              status: s.status ?? { code: 0 },
            })),
          },
        ],
      },
    ],
  };
}

// ───────────── protobuf ─────────────

function anyValueMessage(v: AttrSpec): AnyValue {
  if (typeof v === "string") return create(AnyValueSchema, { value: { case: "stringValue", value: v } });
  if (typeof v === "boolean") return create(AnyValueSchema, { value: { case: "boolValue", value: v } });
  if (typeof v === "bigint") return create(AnyValueSchema, { value: { case: "intValue", value: v } });
  if (typeof v === "number") {
    return create(AnyValueSchema, { value: Number.isInteger(v) ? { case: "intValue", value: BigInt(v) } : { case: "doubleValue", value: v } });
  }
  if (Array.isArray(v)) return create(AnyValueSchema, { value: { case: "arrayValue", value: create(ArrayValueSchema, { values: v.map(anyValueMessage) }) } });
  return create(AnyValueSchema, { value: { case: "kvlistValue", value: create(KeyValueListSchema, { values: protoKeyValues(v) }) } });
}

function protoKeyValues(a: Record<string, AttrSpec> = {}): KeyValue[] {
  return Object.entries(a).map(([key, value]) => create(KeyValueSchema, { key, value: anyValueMessage(value) }));
}

const bytes = (hex: string) => Uint8Array.from(Buffer.from(hex, "hex"));

/** The same request as protobuf; times must fit in fixed64. */
export function otlpProtobufRequest(request: RequestFixture): Uint8Array {
  const message = create(ExportTraceServiceRequestSchema, {
    resourceSpans: [
      {
        resource: { attributes: protoKeyValues(request.resource) },
        scopeSpans: [
          {
            scope: { name: request.scope?.name ?? "tests", version: request.scope?.version ?? "1", attributes: protoKeyValues(request.scope?.attributes) },
            spans: request.spans.map((s) => ({
              traceId: bytes(s.traceId),
              spanId: bytes(s.spanId),
              parentSpanId: s.parentSpanId ? bytes(s.parentSpanId) : new Uint8Array(),
              name: s.name,
              kind: 1,
              startTimeUnixNano: BigInt.asUintN(64, BigInt(s.startNanos)),
              endTimeUnixNano: BigInt.asUintN(64, BigInt(s.endNanos)),
              attributes: protoKeyValues(s.attributes),
              events: (s.events ?? []).map((e) => ({ name: e.name, timeUnixNano: BigInt.asUintN(64, BigInt(e.timeNanos)), attributes: protoKeyValues(e.attributes) })),
              status: { code: s.status?.code ?? 0, message: s.status?.message ?? "" },
            })),
          },
        ],
      },
    ],
  });
  return toBinary(ExportTraceServiceRequestSchema, message);
}
