/**
 * Demo spans → OTLP/JSON ExportTraceServiceRequest objects, in the standard
 * encoding exporters send (hex ids, times as nanosecond strings, typed
 * attribute values), so the demo goes through the same decoding as agents.
 */
export type DemoAttr = string | number | boolean | string[];

export interface DemoSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  /** SpanKind: 1 internal, 3 client. */
  kind: 1 | 3;
  startMs: number;
  endMs: number;
  attributes: Record<string, DemoAttr>;
  status?: { code: 2; message: string };
  events?: { name: string; timeMs: number; attributes: Record<string, DemoAttr> }[];
}

export interface DemoResource {
  "service.name": string;
  "service.version": string;
  "deployment.environment.name": string;
  "flightdeck.team": string;
}

interface OtlpAnyValue {
  stringValue?: string;
  intValue?: string;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values: OtlpAnyValue[] };
}

function anyValue(v: DemoAttr): OtlpAnyValue {
  if (typeof v === "string") return { stringValue: v };
  if (typeof v === "boolean") return { boolValue: v };
  if (typeof v === "number") return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
  return { arrayValue: { values: v.map((s) => ({ stringValue: s })) } };
}

export function keyValues(attributes: Record<string, DemoAttr>) {
  return Object.entries(attributes).map(([key, value]) => ({ key, value: anyValue(value) }));
}

/** Milliseconds → nanoseconds as a decimal string, with a sub-millisecond part so times look like real clocks. */
export function nanos(ms: number, jitter = 0): string {
  return (BigInt(Math.floor(ms)) * 1_000_000n + BigInt(jitter % 1_000_000)).toString();
}

export function encodeSpan(s: DemoSpan) {
  const jitter = parseInt(s.spanId.slice(0, 5), 16);
  return {
    traceId: s.traceId,
    spanId: s.spanId,
    ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
    name: s.name,
    kind: s.kind,
    startTimeUnixNano: nanos(s.startMs, jitter),
    endTimeUnixNano: nanos(s.endMs, jitter + 1),
    attributes: keyValues(s.attributes),
    events: (s.events ?? []).map((e) => ({ name: e.name, timeUnixNano: nanos(e.timeMs), attributes: keyValues(e.attributes) })),
    status: s.status ?? { code: 0 },
  };
}

export type OtlpJsonRequest = ReturnType<typeof otlpRequest>;

/** One request: spans grouped by resource (one agent process each). */
export function otlpRequest(groups: { resource: DemoResource; spans: DemoSpan[] }[]) {
  return {
    resourceSpans: groups.map((g) => ({
      resource: { attributes: keyValues({ ...g.resource }) },
      scopeSpans: [{ scope: { name: "flightdeck.demo", version: "1.0.0" }, spans: g.spans.map(encodeSpan) }],
    })),
  };
}
