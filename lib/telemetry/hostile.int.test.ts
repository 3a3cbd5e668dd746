/**
 * One bad span never costs its batch: property-based batches mixing valid
 * spans with hostile ones (NUL characters, lone surrogates, times out of any
 * range, JSON nested too deep, prompt versions, token counts and costs beyond
 * their columns, over-long names), sent through the real route handlers
 * (OTLP/JSON, OTLP protobuf, native). Every answer is a 200 with the hostile
 * ones reported, every valid span is stored exactly once, and run totals
 * match the stored steps.
 *
 * What each route can carry: JSON carries NUL escapes and lone surrogates
 * anywhere (the ingestion body reader lets NUL through to the per-span check,
 * lib/telemetry/body.ts); protobuf carries NUL anywhere but cannot carry a
 * lone surrogate (UTF-8).
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { createIngestKey, postNative, postOtlp } from "@/tests/factories/ingest-routes";
import { nanosOf, otlpJsonRequest, otlpProtobufRequest, type AttrSpec, type SpanFixture } from "@/tests/factories/otlp-spans";
import { randomTraceId } from "@/tests/factories/otlp";

let key: string;
beforeAll(async () => {
  key = await createIngestKey("hostile spans");
});

const hex = (length: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${length}}$`)).filter((s) => !/^0+$/.test(s));
const NOW = Date.now();
/** Text that is valid but awkward: emoji (surrogate pairs) and non-Latin scripts, sometimes long enough to be cut. */
const validText = fc.oneof(
  fc.string({ minLength: 1, maxLength: 40 }),
  fc.constantFrom("chat 🚀 gpt-4o", "Überprüfung — 検索", "😀".repeat(300), `${"a".repeat(511)}😀tail`),
);

type Transport = "json" | "protobuf";
type Hostile =
  | { kind: "badChar"; char: "nul" | "surrogate"; where: number }
  | { kind: "time"; where: "start" | "end" | "event" }
  | { kind: "deep"; depth: number; where: "messages" | "kvlist" }
  | { kind: "number"; what: "promptVersion" | "tokens" | "cost" }
  | { kind: "longLabel"; what: "gen_ai.agent.name" | "flightdeck.prompt.name" | "gen_ai.request.model" };

const hostile: fc.Arbitrary<Hostile> = fc.oneof(
  fc.record({ kind: fc.constant("badChar" as const), char: fc.constantFrom("nul" as const, "surrogate" as const), where: fc.nat(11) }),
  fc.record({ kind: fc.constant("time" as const), where: fc.constantFrom("start" as const, "end" as const, "event" as const) }),
  fc.record({ kind: fc.constant("deep" as const), depth: fc.integer({ min: 70, max: 5000 }), where: fc.constantFrom("messages" as const, "kvlist" as const) }),
  fc.record({ kind: fc.constant("number" as const), what: fc.constantFrom("promptVersion" as const, "tokens" as const, "cost" as const) }),
  fc.record({ kind: fc.constant("longLabel" as const), what: fc.constantFrom("gen_ai.agent.name" as const, "flightdeck.prompt.name" as const, "gen_ai.request.model" as const) }),
);

interface Case {
  spanId: string;
  trace: number;
  root: boolean;
  name: string;
  tokens: number;
  hostile: Hostile | null;
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  spanId: hex(16),
  trace: fc.nat(2),
  root: fc.boolean(),
  name: validText,
  tokens: fc.integer({ min: 0, max: 2_000_000_000 }),
  hostile: fc.option(hostile, { freq: 2 }),
});

const nested = (depth: number, leaf: AttrSpec): AttrSpec => {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = { n: v };
  return v;
};
/** Text PostgreSQL cannot compress below an index entry's limit (a repeated letter would be). */
function incompressible(length: number): string {
  let x = 12345;
  let out = "";
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    out += String.fromCharCode(33 + (x % 90));
  }
  return out;
}
const deepJsonText = (depth: number) => `${'{"a":'.repeat(depth)}"x"${"}".repeat(depth)}`;

/** A span (valid, or made hostile as `c.hostile` says) that the transport can carry. */
function spanOf(c: Case, traceId: string, transport: Transport): SpanFixture {
  const start = NOW - 60_000;
  const span: SpanFixture = {
    traceId,
    spanId: c.spanId,
    ...(c.root ? {} : { parentSpanId: "00f067aa0ba902b7" }),
    name: c.name,
    startNanos: nanosOf(start),
    endNanos: nanosOf(start + 500),
    attributes: {
      "gen_ai.operation.name": "chat",
      "gen_ai.request.model": "hostile-model",
      "gen_ai.usage.input_tokens": c.tokens,
      "gen_ai.usage.output_tokens": 7,
      "gen_ai.input.messages": JSON.stringify([{ role: "user", content: c.name }]),
      "app.tags": ["a", "b"],
      "app.meta": { nested: { ok: true } },
    },
    events: [{ name: "note", timeNanos: nanosOf(start + 1), attributes: { "note.text": "fine" } }],
    status: { code: 2, message: "upstream failed" },
  };
  const h = c.hostile;
  if (!h) return span;
  const a = span.attributes!;
  switch (h.kind) {
    case "badChar": {
      const char = h.char === "nul" ? "\u0000" : "\ud83d";
      const bad = `x${char}y`;
      const where = transport === "protobuf" && h.char === "surrogate" ? -1 : h.where;
      if (where === -1) {
        // protobuf cannot carry a lone surrogate: a NUL instead, at the same place.
        return spanOf({ ...c, hostile: { ...h, char: "nul" } }, traceId, transport);
      }
      const places: (() => void)[] = [
        // JSON.stringify writes the character as an escape: the mapping's JSON.parse brings it back.
        () => (a["gen_ai.input.messages"] = JSON.stringify([{ role: "user", content: bad }])),
        () => (span.name = bad),
        () => (span.status = { code: 2, message: bad }),
        () => (a["app.note"] = bad),
        () => (a[`app.${bad}`] = "key"),
        () => (a["app.tags"] = ["a", bad]),
        () => (a["app.meta"] = { nested: { text: bad } }),
        () => (span.events![0]!.attributes = { "note.text": bad }),
        () => (span.events![0]!.name = bad),
        () => (a["gen_ai.agent.name"] = bad),
        () => (a["flightdeck.decision.chosen"] = bad),
        () => (a["gen_ai.conversation.id"] = bad),
      ];
      places[where % places.length]!();
      return span;
    }
    case "time":
      if (transport === "protobuf") {
        // fixed64 cannot exceed year 2554: the furthest protobuf can say.
        const far = "18446744073709551615";
        if (h.where === "start") span.startNanos = far;
        else if (h.where === "end") span.endNanos = far;
        else span.events![0]!.timeNanos = far;
        return span;
      }
      if (h.where === "start") span.startNanos = "999999999999999999999999999";
      else if (h.where === "end") span.endNanos = "999999999999999999999999999";
      else span.events![0]!.timeNanos = "999999999999999999999999999";
      return span;
    case "deep":
      if (h.where === "messages") a["gen_ai.input.messages"] = deepJsonText(h.depth);
      // A JSON body nests 4 levels per kvlist level and is refused beyond 128: keep it under that.
      else a["app.meta"] = nested(transport === "json" ? 25 : Math.min(h.depth, 80), "x");
      if (h.where === "kvlist" && transport === "json") a["gen_ai.input.messages"] = deepJsonText(h.depth);
      return span;
    case "number":
      if (h.what === "promptVersion") a["flightdeck.prompt.version"] = 3_000_000_000n;
      else if (h.what === "tokens") a["gen_ai.usage.input_tokens"] = 5_000_000_000n;
      // A fraction, so it travels as a doubleValue (an integer this large is no int64).
      else a["gen_ai.usage.cost"] = 123_456_789.5;
      return span;
    case "longLabel":
      a[h.what] = incompressible(5000);
      return span;
  }
}

async function expectStoredExactly(valid: { traceId: string; spanId: string }[], invalid: { traceId: string; spanId: string }[]) {
  const all = [...valid, ...invalid];
  const rows = await db.step.groupBy({
    by: ["traceId", "spanId"],
    where: { OR: all.map(({ traceId, spanId }) => ({ traceId, spanId })) },
    _count: true,
  });
  const counts = new Map(rows.map((r) => [`${r.traceId}:${r.spanId}`, r._count]));
  for (const v of valid) expect(counts.get(`${v.traceId}:${v.spanId}`), `valid span ${v.spanId}`).toBe(1);
  for (const v of invalid) expect(counts.get(`${v.traceId}:${v.spanId}`), `hostile span ${v.spanId}`).toBeUndefined();
}

/** Run totals are those of the run's stored steps. */
async function expectConsistentTotals(traceIds: string[]) {
  const runs = await db.run.findMany({ where: { traceId: { in: traceIds } }, include: { steps: true } });
  for (const run of runs) {
    expect(run.stepCount).toBe(run.steps.length);
    const billable = run.steps.filter((s) => s.kind === "LLM_CALL" || (s.costUsd !== null && s.kind !== "AGENT"));
    expect(Number(run.inputTokens)).toBe(billable.reduce((sum, s) => sum + (s.inputTokens ?? 0), 0));
    expect(run.failedStepCount).toBe(run.steps.filter((s) => s.status === "FAILED").length);
  }
}

/**
 * Fresh traces for each execution: fast-check re-runs similar inputs while shrinking, and a span
 * stored by an earlier execution must not count for a later one.
 */
const freshTraces = () => [randomTraceId(), randomTraceId(), randomTraceId()];

/** Cases with distinct span ids (a re-sent span id would be a duplicate, not what is tested here). */
const batchArb = fc.uniqueArray(caseArb, { minLength: 1, maxLength: 6, selector: (c) => c.spanId });

describe.each(["json", "protobuf"] as const)("OTLP/%s: hostile spans are rejected alone", (transport) => {
  it("answers 200 with partialSuccess naming each hostile span, and stores every valid one once", async () => {
    await fc.assert(
      fc.asyncProperty(batchArb, async (cases) => {
        const traceIds = freshTraces();
        const spans = cases.map((c) => spanOf(c, traceIds[c.trace]!, transport));
        const request = { resource: { "service.name": "hostile-agent" }, spans };
        const res = await postOtlp(key, transport === "json" ? otlpJsonRequest(request) : otlpProtobufRequest(request));
        expect(res.status).toBe(200);
        const bad = cases.filter((c) => c.hostile !== null).length;
        if (transport === "json") {
          const body = (await res.json()) as { partialSuccess?: { rejectedSpans: string; errorMessage: string } };
          expect(Number(body.partialSuccess?.rejectedSpans ?? 0)).toBe(bad);
          if (bad) expect(body.partialSuccess!.errorMessage).toMatch(/rejected: span [0-9a-f]{16}/);
        }
        const ids = (filter: (c: Case) => boolean) => cases.filter(filter).map((c) => ({ traceId: traceIds[c.trace]!, spanId: c.spanId }));
        await expectStoredExactly(
          ids((c) => c.hostile === null),
          ids((c) => c.hostile !== null),
        );
        await expectConsistentTotals(traceIds);
      }),
      { numRuns: 30 },
    );
  });
});

// ───────────── native ─────────────

type NativeHostile =
  | { kind: "surrogate"; field: number; nul: boolean }
  | { kind: "deep"; depth: number }
  | { kind: "number"; what: "promptVersion" | "inputTokens" | "costUsd" }
  | { kind: "time"; value: string };

const nativeHostile: fc.Arbitrary<NativeHostile> = fc.oneof(
  fc.record({ kind: fc.constant("surrogate" as const), field: fc.nat(13), nul: fc.boolean() }),
  // Deeper than the stored limit, within the body's (a deeper body is refused whole, as any API body).
  fc.record({ kind: fc.constant("deep" as const), depth: fc.integer({ min: 66, max: 120 }) }),
  fc.record({ kind: fc.constant("number" as const), what: fc.constantFrom("promptVersion" as const, "inputTokens" as const, "costUsd" as const) }),
  fc.record({ kind: fc.constant("time" as const), value: fc.constantFrom("+275761-01-01T00:00:00Z", "10000-01-01T00:00:00Z", "-000001-01-01T00:00:00Z", "9999-12-31T23:59:59.999Z") }),
);

function nativeStep(c: Case, traceId: string, h: NativeHostile | null): Record<string, unknown> {
  const start = new Date(NOW - 60_000).toISOString();
  const step: Record<string, unknown> = {
    traceId,
    spanId: c.spanId,
    ...(c.root ? {} : { parentSpanId: "00f067aa0ba902b7" }),
    kind: "llm_call",
    name: c.name.slice(0, 500).trim() || "step",
    status: "failed",
    error: "upstream failed",
    startedAt: start,
    model: "hostile-model",
    inputTokens: c.tokens,
    promptName: "p",
    promptVersion: 3,
    arguments: { q: "fine" },
    inputMessages: [{ role: "user", content: "hello" }],
    attributes: { "app.tags": ["a"] },
    decision: { chosen: "a", rationale: "b", alternatives: ["c"] },
  };
  if (!h) return step;
  switch (h.kind) {
    case "surrogate": {
      // A lone surrogate, or a NUL (which PostgreSQL text and jsonb refuse), in one field.
      const bad = h.nul ? "x\u0000y" : "x\udc00y";
      const fields: (() => void)[] = [
        () => (step.name = bad),
        () => (step.error = bad),
        () => (step.model = bad),
        () => (step.promptName = bad),
        () => (step.arguments = { q: bad }),
        () => (step.arguments = { [bad]: 1 }),
        () => (step.inputMessages = [{ role: "user", content: [bad] }]),
        () => (step.attributes = { "app.note": bad }),
        () => (step.attributes = { [bad]: "k" }),
        () => (step.decision = { chosen: bad }),
        () => (step.decision = { chosen: "a", rationale: bad }),
        () => (step.decision = { chosen: "a", alternatives: [bad] }),
        () => (step.agent = bad),
        () => (step.conversationId = bad),
      ];
      fields[h.field % fields.length]!();
      return step;
    }
    case "deep":
      step.result = nested(h.depth, "x");
      return step;
    case "number":
      step[h.what] = h.what === "costUsd" ? 1e30 : 3_000_000_000;
      return step;
    case "time":
      step.startedAt = h.value;
      return step;
  }
}

describe("native: hostile items are rejected alone", () => {
  it("answers 200 with an error per hostile item, and stores every valid one once", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.record({ c: caseArb, h: fc.option(nativeHostile, { freq: 2 }) }), { minLength: 1, maxLength: 6, selector: (x) => x.c.spanId }),
        fc.boolean(),
        async (items, withRun) => {
          const traceIds = freshTraces();
          const steps = items.map(({ c, h }) => nativeStep(c, traceIds[c.trace]!, h));
          const runs = withRun
            ? [
                { traceId: traceIds[0], name: "hostile run", startedAt: new Date(NOW - 120_000).toISOString() },
                { traceId: traceIds[1], name: "bad \ud800 run", startedAt: new Date(NOW - 120_000).toISOString() },
              ]
            : undefined;
          const evaluations = [{ traceId: traceIds[0], name: "eval", comment: "bad \udfff comment" }];
          const res = await postNative(key, { steps, runs, evaluations });
          expect(res.status).toBe(200);
          const body = (await res.json()) as { rejected: { steps: number; runs: number }; errors: { item: string; index: number; message: string }[] };
          const bad = items.map((x, i) => (x.h ? i : -1)).filter((i) => i >= 0);
          expect(body.rejected.steps).toBe(bad.length);
          expect(new Set(body.errors.filter((e) => e.item === "steps").map((e) => e.index))).toEqual(new Set(bad));
          for (const e of body.errors) expect(e.message).not.toBe("");
          if (withRun) expect(body.errors).toContainEqual(expect.objectContaining({ item: "runs", index: 1 }));
          expect(body.errors).toContainEqual(expect.objectContaining({ item: "evaluations", index: 0 }));
          const ids = (hostileOnly: boolean) =>
            items.filter((x) => (x.h !== null) === hostileOnly).map((x) => ({ traceId: traceIds[x.c.trace]!, spanId: x.c.spanId }));
          await expectStoredExactly(ids(false), ids(true));
          await expectConsistentTotals(traceIds);
        },
      ),
      { numRuns: 30 },
    );
  });
});
