/**
 * Builders of OTLP/JSON requests for tests and the ingestion benchmark:
 * attributes as plain objects, times as Dates, ids generated when omitted.
 */
import { randomBytes } from "node:crypto";

export type PlainAttr = string | number | boolean | PlainAttr[] | { [key: string]: PlainAttr };

export interface SpanSpec {
  traceId: string;
  spanId?: string;
  parentSpanId?: string;
  name: string;
  start: Date;
  end?: Date;
  attributes?: Record<string, PlainAttr>;
  events?: { name: string; time?: Date; attributes?: Record<string, PlainAttr> }[];
  status?: { code: 0 | 1 | 2; message?: string };
}

export const randomTraceId = () => randomBytes(16).toString("hex");
export const randomSpanId = () => randomBytes(8).toString("hex");

function anyValue(v: PlainAttr): Record<string, unknown> {
  if (typeof v === "string") return { stringValue: v };
  if (typeof v === "boolean") return { boolValue: v };
  if (typeof v === "number") return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
  if (Array.isArray(v)) return { arrayValue: { values: v.map(anyValue) } };
  return { kvlistValue: { values: keyValues(v) } };
}

export function keyValues(attributes: Record<string, PlainAttr> = {}) {
  return Object.entries(attributes).map(([key, value]) => ({ key, value: anyValue(value) }));
}

const nanos = (d: Date) => `${BigInt(d.getTime()) * 1_000_000n}`;

export function otlpSpan(spec: SpanSpec) {
  return {
    traceId: spec.traceId,
    spanId: spec.spanId ?? randomSpanId(),
    ...(spec.parentSpanId ? { parentSpanId: spec.parentSpanId } : {}),
    name: spec.name,
    kind: 1,
    startTimeUnixNano: nanos(spec.start),
    endTimeUnixNano: nanos(spec.end ?? spec.start),
    attributes: keyValues(spec.attributes),
    events: (spec.events ?? []).map((e) => ({ name: e.name, timeUnixNano: nanos(e.time ?? spec.start), attributes: keyValues(e.attributes) })),
    status: spec.status ?? { code: 0 },
  };
}

/** An ExportTraceServiceRequest with one resource and one scope. */
export function otlpRequest(spans: SpanSpec[], resource: Record<string, PlainAttr> = { "service.name": "test-agent" }) {
  return {
    resourceSpans: [
      { resource: { attributes: keyValues(resource) }, scopeSpans: [{ scope: { name: "flightdeck-tests" }, spans: spans.map(otlpSpan) }] },
    ],
  };
}
