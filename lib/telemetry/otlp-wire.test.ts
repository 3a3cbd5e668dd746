import { randomBytes } from "node:crypto";
import { create, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { encodeBatch, spanBatch } from "@/bench/ingest/spans";
import { decodeOtlpProtobuf, decodeOtlpProtobufReflective } from "./otlp";
import { decodeTraceRequestWire } from "./otlp-wire";
import { ExportTraceServiceRequestSchema, type AnyValueSchema, type KeyValueSchema } from "./proto/gen/flightdeck/otlp/trace_pb";

type AnyValueInit = MessageInitShape<typeof AnyValueSchema>;
type KeyValueInit = MessageInitShape<typeof KeyValueSchema>;

const value = (v: AnyValueInit["value"]): AnyValueInit => ({ value: v });

/** Every kind of attribute value, edge integers, events, status, unknown span kind, two resources and scopes. */
function richRequest(): Uint8Array {
  const attrs: KeyValueInit[] = [
    { key: "s", value: value({ case: "stringValue", value: "héllo ✓ \u0000 \ud83d\ude00" }) },
    { key: "empty", value: value({ case: "stringValue", value: "" }) },
    { key: "t", value: value({ case: "boolValue", value: true }) },
    { key: "f", value: value({ case: "boolValue", value: false }) },
    { key: "i", value: value({ case: "intValue", value: 42n }) },
    { key: "neg", value: value({ case: "intValue", value: -7n }) },
    { key: "zero", value: value({ case: "intValue", value: 0n }) },
    { key: "maxSafe", value: value({ case: "intValue", value: 9007199254740991n }) },
    { key: "big", value: value({ case: "intValue", value: 9007199254740993n }) },
    { key: "minSafe", value: value({ case: "intValue", value: -9007199254740991n }) },
    { key: "veryNeg", value: value({ case: "intValue", value: -9223372036854775808n }) },
    { key: "max64", value: value({ case: "intValue", value: 9223372036854775807n }) },
    { key: "d", value: value({ case: "doubleValue", value: 0.86 }) },
    { key: "nan", value: value({ case: "doubleValue", value: Number.NaN }) },
    { key: "bytes", value: value({ case: "bytesValue", value: new Uint8Array([0, 1, 254, 255]) }) },
    {
      key: "arr",
      value: value({
        case: "arrayValue",
        value: { values: [{ value: { case: "stringValue", value: "a" } }, { value: { case: "intValue", value: 3n } }, {}] },
      }),
    },
    {
      key: "kv",
      value: value({ case: "kvlistValue", value: { values: [{ key: "inner", value: value({ case: "boolValue", value: true }) }, { key: "nested" }] } }),
    },
    { key: "none" },
    { key: "dup", value: value({ case: "stringValue", value: "first" }) },
    { key: "dup", value: value({ case: "stringValue", value: "second" }) },
  ];
  const span = (i: number) => ({
    traceId: randomBytes(16),
    spanId: randomBytes(8),
    parentSpanId: i % 2 ? randomBytes(8) : new Uint8Array(0),
    name: `span ${i}`,
    kind: i === 3 ? 99 : i % 6,
    startTimeUnixNano: 1_764_000_000_000_000_000n + BigInt(i),
    endTimeUnixNano: i === 2 ? 0n : 18_446_744_073_709_551_615n,
    attributes: attrs,
    droppedAttributesCount: 3,
    events: [{ name: "gen_ai.choice", timeUnixNano: 5n, attributes: attrs.slice(0, 3) }, { name: "" }],
    links: [{ traceId: randomBytes(16), spanId: randomBytes(8) }],
    status: i === 1 ? { code: 2, message: "upstream timeout" } : i === 4 ? { code: 1 } : undefined,
    traceState: "k=v",
    flags: 1,
  });
  return toBinary(
    ExportTraceServiceRequestSchema,
    create(ExportTraceServiceRequestSchema, {
      resourceSpans: [
        {
          resource: { attributes: [{ key: "service.name", value: value({ case: "stringValue", value: "svc" }) }] },
          scopeSpans: [{ scope: { name: "one", version: "1" }, spans: [span(0), span(1)] }, { spans: [span(2)] }],
          schemaUrl: "https://example.com",
        },
        { scopeSpans: [{ scope: { name: "two" }, spans: [span(3), span(4), span(5)] }] },
        {},
      ],
    }),
  );
}

describe("hand-written OTLP wire decoder", () => {
  it("decodes exactly as the reflective decoder: every attribute kind, edge integers, events, status, several resources", () => {
    const body = richRequest();
    const wire = decodeTraceRequestWire(body);
    expect(wire).toHaveLength(6);
    expect(wire).toEqual(decodeOtlpProtobufReflective(body));
    expect(wire[0]!.attributes).toMatchObject({ big: "9007199254740993", veryNeg: "-9223372036854775808", neg: -7, dup: "second", kv: { inner: true, nested: null } });
  });

  it("decodes the benchmark's GenAI batches exactly as the reflective decoder", () => {
    const body = encodeBatch(spanBatch(5));
    expect(decodeTraceRequestWire(body)).toEqual(decodeOtlpProtobufReflective(body));
  });

  it("an empty body is an empty request", () => {
    expect(decodeTraceRequestWire(new Uint8Array(0))).toEqual([]);
  });

  it("truncated or corrupted bodies: the public decoder answers as the reflective one does (same spans, or the same refusal)", () => {
    const body = richRequest();
    const outcome = (decode: (b: Uint8Array) => unknown, b: Uint8Array) => {
      try {
        return { ok: decode(b) };
      } catch (error) {
        return { error: error instanceof Error ? error.message : String(error) };
      }
    };
    const cases: Uint8Array[] = [new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]), new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f])];
    for (let cut = 1; cut < body.length; cut += 37) cases.push(body.subarray(0, cut));
    for (let i = 0; i < 40; i++) {
      const copy = Uint8Array.from(body);
      const at = (i * 7919) % copy.length;
      copy[at] = copy[at]! ^ 0xff;
      cases.push(copy);
    }
    for (const c of cases) expect(outcome(decodeOtlpProtobuf, c)).toEqual(outcome(decodeOtlpProtobufReflective, c));
  });
});

describe("decodeTraceRequestWire: nesting", () => {
  // Protobuf built by hand, from the inside out: an encoder would recurse as deep as the value.
  const varint = (n: number): number[] => {
    const out: number[] = [];
    while (n > 0x7f) {
      out.push((n & 0x7f) | 0x80);
      n >>>= 7;
    }
    out.push(n);
    return out;
  };
  const field = (number: number, bytes: Uint8Array | number[]): Buffer => Buffer.concat([Buffer.from([(number << 3) | 2, ...varint(bytes.length)]), Buffer.from(bytes)]);
  const fixed64 = (number: number, value: bigint): Buffer => {
    const b = Buffer.alloc(9);
    b[0] = (number << 3) | 1;
    b.writeBigUInt64LE(value, 1);
    return b;
  };
  function deepAnyValue(levels: number): Buffer {
    let value = field(1, Buffer.from("leaf")); // AnyValue.string_value
    for (let i = 0; i < levels; i++) value = field(5, field(1, value)); // AnyValue.array_value { values: [value] }
    return value;
  }
  function spanWith(spanId: string, attributes: Buffer[]): Buffer {
    return Buffer.concat([
      field(1, Buffer.from("0af7651916cd43dd8448eb211c80319c", "hex")),
      field(2, Buffer.from(spanId, "hex")),
      field(5, Buffer.from("x")),
      fixed64(7, 1_700_000_000_000_000_000n),
      ...attributes.map((kv) => field(9, kv)),
    ]);
  }
  const keyValue = (key: string, value: Buffer) => Buffer.concat([field(1, Buffer.from(key)), field(2, value)]);

  it("skips an AnyValue nested deeper than the stored limit and marks its span alone, without recursing into it", () => {
    const deep = spanWith("b7ad6b7169203331", [keyValue("deep", deepAnyValue(20_000))]);
    const fine = spanWith("b7ad6b7169203332", [keyValue("shallow", deepAnyValue(3))]);
    const body = field(1, field(2, Buffer.concat([field(2, deep), field(2, fine)]))); // request { resource_spans { scope_spans { spans } } }
    const [deepSpan, fineSpan] = decodeTraceRequestWire(body);
    expect(deepSpan!.problem).toMatch(/nests deeper than \d+ levels/);
    expect(fineSpan!.problem).toBeUndefined();
    expect(fineSpan!.attributes.shallow).toEqual([[["leaf"]]]);
    // The public decoder answers the same, instead of the reflective fallback refusing the whole request.
    expect(decodeOtlpProtobuf(body).map((s) => s.problem === undefined)).toEqual([false, true]);
    // Not a speed check: 20,000 levels take a second on a quiet machine and more on a loaded CI one.
  }, 30_000);
});
