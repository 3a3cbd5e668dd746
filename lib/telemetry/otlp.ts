/**
 * OTLP trace export requests, protobuf or JSON, decoded into one plain shape
 * (`OtlpSpan`) that the GenAI mapping reads. Structural problems (not a
 * protobuf message, `resourceSpans` not a list) throw `AppError` 400; a bad
 * field inside one span is left for the mapping to reject that span alone.
 *
 * Limits, the same on every path: JSON AnyValues nest at most MAX_JSON_DEPTH
 * levels (deeper is not decoded further: the span carries a `problem` and the
 * mapping rejects it); every string may contain anything the transport can
 * carry (a NUL on protobuf, a lone surrogate from a JSON `\ud800` escape): the
 * mapping rejects the span that would store one (mapping.ts findUnstorable),
 * so neither a deep value nor a bad character ever costs the rest of the request.
 */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { AppError } from "@/lib/errors";
import {
  ExportTraceServiceRequestSchema,
  ExportTraceServiceResponseSchema,
  type AnyValue,
  type KeyValue,
} from "./proto/gen/flightdeck/otlp/trace_pb";
import { MAX_JSON_DEPTH } from "./storable";
import { decodeTraceRequestWire, TOO_DEEP_PROBLEM } from "./otlp-wire";

/** An attribute value as JSON: int64 beyond 2^53 becomes a decimal string, bytes base64. */
export type AttrValue = string | number | boolean | null | AttrValue[] | { [key: string]: AttrValue };
export type Attributes = Record<string, AttrValue>;

export interface OtlpEvent {
  name: string;
  timeUnixNano: bigint;
  attributes: Attributes;
}

export interface OtlpSpan {
  /** Lowercase hex; may be malformed here (the mapping rejects it). */
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: Attributes;
  events: OtlpEvent[];
  /** 0 unset, 1 ok, 2 error. */
  statusCode: number;
  statusMessage: string;
  resource: Attributes;
  scopeName: string;
  /** Set by a decoder that could not decode this span faithfully (e.g. a value nested too deep): the mapping rejects it with this reason. */
  problem?: string;
}

// ───────────── protobuf ─────────────

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

export function bytesToHex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += HEX[b];
  return out;
}

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function int64ToJson(value: bigint): number | string {
  return value >= MIN_SAFE && value <= MAX_SAFE ? Number(value) : value.toString();
}

function anyValueFromProto(value: AnyValue | undefined): AttrValue {
  const v = value?.value;
  switch (v?.case) {
    case "stringValue":
    case "boolValue":
    case "doubleValue":
      return v.value;
    case "intValue":
      return int64ToJson(v.value);
    case "bytesValue":
      return Buffer.from(v.value).toString("base64");
    case "arrayValue":
      return v.value.values.map(anyValueFromProto);
    case "kvlistValue":
      return attributesFromProto(v.value.values);
    default:
      return null;
  }
}

function attributesFromProto(list: KeyValue[]): Attributes {
  const out: Attributes = {};
  for (const kv of list) out[kv.key] = anyValueFromProto(kv.value);
  return out;
}

/**
 * Decodes an `application/x-protobuf` ExportTraceServiceRequest: the
 * hand-written wire decoder (otlp-wire.ts) first; whatever it does not fully
 * understand goes to the reflective decoder, which decides as it always did.
 */
export function decodeOtlpProtobuf(body: Uint8Array): OtlpSpan[] {
  try {
    return decodeTraceRequestWire(body);
  } catch {
    return decodeOtlpProtobufReflective(body);
  }
}

/** The reflective (@bufbuild/protobuf) decoder: the reference for the wire decoder. */
export function decodeOtlpProtobufReflective(body: Uint8Array): OtlpSpan[] {
  let request;
  try {
    request = fromBinary(ExportTraceServiceRequestSchema, body);
  } catch (error) {
    throw new AppError(
      "bad_request:protobuf",
      `The body is not a valid OTLP ExportTraceServiceRequest: ${error instanceof Error ? error.message : "decode failed"}.`,
    );
  }
  const spans: OtlpSpan[] = [];
  for (const rs of request.resourceSpans) {
    const resource = attributesFromProto(rs.resource?.attributes ?? []);
    for (const ss of rs.scopeSpans) {
      const scopeName = ss.scope?.name ?? "";
      for (const s of ss.spans) {
        spans.push({
          traceId: bytesToHex(s.traceId),
          spanId: bytesToHex(s.spanId),
          parentSpanId: s.parentSpanId.length ? bytesToHex(s.parentSpanId) : null,
          name: s.name,
          kind: s.kind,
          startTimeUnixNano: s.startTimeUnixNano,
          endTimeUnixNano: s.endTimeUnixNano,
          attributes: attributesFromProto(s.attributes),
          events: s.events.map((e) => ({ name: e.name, timeUnixNano: e.timeUnixNano, attributes: attributesFromProto(e.attributes) })),
          statusCode: s.status?.code ?? 0,
          statusMessage: s.status?.message ?? "",
          resource,
          scopeName,
        });
      }
    }
  }
  return spans;
}

// ───────────── JSON (OTLP/JSON: hex ids, int64 as strings, enums as ints) ─────────────

type Obj = Record<string, unknown>;

function isObj(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** OTLP/JSON uses lowerCamelCase; proto field names are accepted too, as protobuf JSON parsers do. */
function field(o: Obj, camel: string, snake?: string): unknown {
  return o[camel] ?? (snake ? o[snake] : undefined);
}

function list(o: Obj, where: string, camel: string, snake?: string): unknown[] {
  const v = field(o, camel, snake);
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new AppError("bad_request:otlp_json", `${where}.${camel} must be an array.`);
  return v;
}

/** An AnyValue nested deeper than MAX_JSON_DEPTH: decoding stops there (recursion stays bounded) and the span is rejected. */
class TooDeep extends Error {}

function anyValueFromJson(value: unknown, depth: number): AttrValue {
  if (!isObj(value)) return null;
  if ("stringValue" in value || "string_value" in value) return String(field(value, "stringValue", "string_value") ?? "");
  if ("boolValue" in value || "bool_value" in value) return field(value, "boolValue", "bool_value") === true;
  if ("intValue" in value || "int_value" in value) {
    const raw = field(value, "intValue", "int_value");
    if (typeof raw === "number" && Number.isFinite(raw)) return Math.trunc(raw);
    if (typeof raw === "string" && /^-?\d+$/.test(raw)) return int64ToJson(BigInt(raw));
    return null;
  }
  if ("doubleValue" in value || "double_value" in value) {
    const raw = field(value, "doubleValue", "double_value");
    const n = typeof raw === "number" ? raw : Number(raw);
    return Number.isFinite(n) ? n : null;
  }
  if ("arrayValue" in value || "array_value" in value) {
    const arr = field(value, "arrayValue", "array_value");
    if (depth >= MAX_JSON_DEPTH) throw new TooDeep();
    return isObj(arr) && Array.isArray(arr.values) ? arr.values.map((v) => anyValueFromJson(v, depth + 1)) : [];
  }
  if ("kvlistValue" in value || "kvlist_value" in value) {
    const kv = field(value, "kvlistValue", "kvlist_value");
    if (depth >= MAX_JSON_DEPTH) throw new TooDeep();
    return isObj(kv) && Array.isArray(kv.values) ? attributesFromJson(kv.values, depth + 1) : {};
  }
  if ("bytesValue" in value || "bytes_value" in value) return String(field(value, "bytesValue", "bytes_value") ?? "");
  return null;
}

/** `depth`: containers around these attributes in their stored document (the attributes object itself is one). */
function attributesFromJson(items: unknown, depth = 1): Attributes {
  const out: Attributes = {};
  if (!Array.isArray(items)) return out;
  for (const kv of items) {
    if (isObj(kv) && typeof kv.key === "string") out[kv.key] = anyValueFromJson(kv.value, depth);
  }
  return out;
}


/** Attributes, or the reason they cannot be decoded. */
function attributesOrProblem(items: unknown): { attributes: Attributes; problem?: string } {
  try {
    return { attributes: attributesFromJson(items) };
  } catch (error) {
    if (error instanceof TooDeep) return { attributes: {}, problem: TOO_DEEP_PROBLEM };
    throw error;
  }
}

/** Nanoseconds as a JSON string or number; anything else is 0 (the mapping rejects a missing start). */
function nanos(value: unknown): bigint {
  if (typeof value === "string" && /^\d{1,30}$/.test(value)) return BigInt(value);
  if (typeof value === "number" && Number.isFinite(value) && value >= 0) return BigInt(Math.trunc(value));
  return 0n;
}

function hexId(value: unknown): string {
  return typeof value === "string" ? value.toLowerCase() : "";
}

const SPAN_KINDS: Record<string, number> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};
const STATUS_CODES: Record<string, number> = { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 };

function enumValue(value: unknown, names: Record<string, number>): number {
  if (typeof value === "number") return value;
  if (typeof value === "string") return names[value] ?? 0;
  return 0;
}

/** Decodes an OTLP/JSON ExportTraceServiceRequest already parsed from JSON. */
export function decodeOtlpJson(body: unknown): OtlpSpan[] {
  if (!isObj(body)) throw new AppError("bad_request:otlp_json", "The body must be a JSON object (an OTLP ExportTraceServiceRequest).");
  const spans: OtlpSpan[] = [];
  list(body, "request", "resourceSpans", "resource_spans").forEach((rs, i) => {
    if (!isObj(rs)) throw new AppError("bad_request:otlp_json", `resourceSpans[${i}] must be an object.`);
    const res = field(rs, "resource");
    const { attributes: resource, problem: resourceProblem } = attributesOrProblem(isObj(res) ? res.attributes : undefined);
    const scopeSpans = [
      ...list(rs, `resourceSpans[${i}]`, "scopeSpans", "scope_spans"),
      // Exporters before OTLP 0.19 called them instrumentationLibrarySpans.
      ...list(rs, `resourceSpans[${i}]`, "instrumentationLibrarySpans"),
    ];
    scopeSpans.forEach((ss, j) => {
      if (!isObj(ss)) throw new AppError("bad_request:otlp_json", `resourceSpans[${i}].scopeSpans[${j}] must be an object.`);
      const scope = field(ss, "scope") ?? field(ss, "instrumentationLibrary");
      const scopeName = isObj(scope) && typeof scope.name === "string" ? scope.name : "";
      list(ss, `resourceSpans[${i}].scopeSpans[${j}]`, "spans").forEach((s) => {
        const span = isObj(s) ? s : {};
        const status = field(span, "status");
        const parent = hexId(field(span, "parentSpanId", "parent_span_id"));
        const events = (Array.isArray(span.events) ? span.events : []).filter(isObj);
        const attributes = attributesOrProblem(span.attributes);
        const eventAttributes = events.map((e) => attributesOrProblem(e.attributes));
        const problem = resourceProblem ?? attributes.problem ?? eventAttributes.find((a) => a.problem)?.problem;
        spans.push({
          traceId: hexId(field(span, "traceId", "trace_id")),
          spanId: hexId(field(span, "spanId", "span_id")),
          parentSpanId: parent ? parent : null,
          name: typeof span.name === "string" ? span.name : "",
          kind: enumValue(span.kind, SPAN_KINDS),
          startTimeUnixNano: nanos(field(span, "startTimeUnixNano", "start_time_unix_nano")),
          endTimeUnixNano: nanos(field(span, "endTimeUnixNano", "end_time_unix_nano")),
          attributes: attributes.attributes,
          events: events.map((e, k) => ({
            name: typeof e.name === "string" ? e.name : "",
            timeUnixNano: nanos(field(e, "timeUnixNano", "time_unix_nano")),
            attributes: eventAttributes[k]!.attributes,
          })),
          statusCode: isObj(status) ? enumValue(status.code, STATUS_CODES) : 0,
          statusMessage: isObj(status) && typeof status.message === "string" ? status.message : "",
          resource,
          scopeName,
          ...(problem ? { problem } : {}),
        });
      });
    });
  });
  return spans;
}

// ───────────── responses ─────────────

export interface PartialSuccess {
  rejectedSpans: number;
  errorMessage?: string;
}

/** ExportTraceServiceResponse; `partialSuccess` only when something was rejected (as the spec asks). */
export function encodeOtlpResponse(partial: PartialSuccess, encoding: "protobuf" | "json"): Uint8Array | string {
  const rejected = partial.rejectedSpans > 0;
  if (encoding === "json") {
    return JSON.stringify(
      rejected ? { partialSuccess: { rejectedSpans: String(partial.rejectedSpans), errorMessage: partial.errorMessage ?? "" } } : {},
    );
  }
  const message = create(ExportTraceServiceResponseSchema, {
    partialSuccess: rejected ? { rejectedSpans: BigInt(partial.rejectedSpans), errorMessage: partial.errorMessage ?? "" } : undefined,
  });
  return toBinary(ExportTraceServiceResponseSchema, message);
}
