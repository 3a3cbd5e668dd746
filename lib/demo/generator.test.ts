import { describe, expect, it } from "vitest";
import { mapSpan } from "@/lib/telemetry/mapping";
import { decodeOtlpJson } from "@/lib/telemetry/otlp";
import { demoBatches, generateRuns, GUARANTEED_VARIANTS, type DemoRun } from "./generator";
import { Rng } from "./prng";

const NOW = Date.UTC(2026, 10, 24, 15, 0, 0);
const options = { runs: 120, days: 30, seed: 7, now: NOW };
const runs: DemoRun[] = [...generateRuns(options)];
const attr = (run: DemoRun, key: string) => run.spans.map((s) => s.attributes[key]).filter((v) => v !== undefined);

describe("the PRNG", () => {
  it("is deterministic per seed and differs between seeds", () => {
    const a = new Rng(1);
    const b = new Rng(1);
    const c = new Rng(2);
    const seqA = Array.from({ length: 5 }, () => a.uint32());
    expect(Array.from({ length: 5 }, () => b.uint32())).toEqual(seqA);
    expect(Array.from({ length: 5 }, () => c.uint32())).not.toEqual(seqA);
  });
  it("gives ints in range and hex of the right length", () => {
    const r = new Rng(3);
    for (let i = 0; i < 1000; i++) {
      const n = r.int(3, 7);
      expect(n).toBeGreaterThanOrEqual(3);
      expect(n).toBeLessThanOrEqual(7);
    }
    expect(r.hex(16)).toMatch(/^[0-9a-f]{32}$/);
    expect(r.hex(8)).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe("the demo generator", () => {
  it("is deterministic for a seed and a fixed now", () => {
    const again = [...generateRuns(options)];
    expect(again.map((r) => r.traceId)).toEqual(runs.map((r) => r.traceId));
    expect(JSON.stringify(again[17])).toBe(JSON.stringify(runs[17]));
    const other = [...generateRuns({ ...options, seed: 8 })];
    expect(other[0]!.traceId).not.toBe(runs[0]!.traceId);
  });

  it("produces the requested number of runs with unique hex ids, within the period and never in the future", () => {
    expect(runs).toHaveLength(120);
    expect(new Set(runs.map((r) => r.traceId)).size).toBe(120);
    const spanIds = runs.flatMap((r) => r.spans.map((s) => `${s.traceId}:${s.spanId}`));
    expect(new Set(spanIds).size).toBe(spanIds.length);
    for (const run of runs) {
      expect(run.traceId).toMatch(/^[0-9a-f]{32}$/);
      for (const s of run.spans) {
        expect(s.spanId).toMatch(/^[0-9a-f]{16}$/);
        expect(s.endMs).toBeGreaterThanOrEqual(s.startMs);
        expect(s.endMs).toBeLessThanOrEqual(NOW);
        expect(s.startMs).toBeGreaterThan(NOW - 31 * 24 * 3600_000);
      }
    }
    const perRun = runs.map((r) => r.spans.length);
    const mean = perRun.reduce((a, b) => a + b, 0) / perRun.length;
    expect(mean).toBeGreaterThan(4);
    expect(mean).toBeLessThan(20);
  });

  it("covers every team and agent, several models (one unpriced) and prompt versions", () => {
    expect(new Set(runs.map((r) => r.resource["flightdeck.team"]))).toEqual(new Set(["Finance Ops", "Procurement", "Customer Support", "Operations"]));
    const models = new Set(runs.flatMap((r) => attr(r, "gen_ai.request.model")));
    expect(models.size).toBeGreaterThanOrEqual(6);
    expect(models).toContain("acme-ops-llm-13b");
    const versions = new Set(runs.flatMap((r) => r.spans.map((s) => `${s.attributes["flightdeck.prompt.name"]}@${s.attributes["flightdeck.prompt.version"]}`)));
    expect(versions).toContain("invoice-reconcile@3");
    expect(versions).toContain("invoice-reconcile@4");
    const tools = new Set(runs.flatMap((r) => attr(r, "gen_ai.tool.name")));
    for (const t of ["erp.lookup_invoice", "erp.post_adjustment", "email.send", "email.read_inbox", "tickets.classify", "tickets.assign", "metrics.query", "actions.open_incident"]) {
      expect(tools).toContain(t);
    }
  });

  it("includes each guaranteed variant", () => {
    const variants = runs.map((r) => r.variant);
    for (const v of new Set(GUARANTEED_VARIANTS)) expect(variants).toContain(v);
  });

  it("has a looping run: the same tool with the same arguments at least four times", () => {
    const loop = runs.find((r) => r.variant === "loop")!;
    const calls = loop.spans.filter((s) => s.attributes["gen_ai.tool.name"]).map((s) => `${s.attributes["gen_ai.tool.name"]}|${s.attributes["gen_ai.tool.call.arguments"]}`);
    const max = Math.max(...[...new Set(calls)].map((c) => calls.filter((x) => x === c).length));
    expect(max).toBeGreaterThanOrEqual(4);
  });

  it("has a stalled run: no root span, last span more than 30 minutes ago", () => {
    const stalled = runs.find((r) => r.variant === "stalled")!;
    expect(stalled.spans.every((s) => s.parentSpanId !== null)).toBe(true);
    expect(NOW - Math.max(...stalled.spans.map((s) => s.endMs))).toBeGreaterThan(30 * 60_000);
  });

  it("has runs waiting for clearance with an escalation span, and finished ones with a decision", () => {
    const pending = runs.filter((r) => r.variant === "escalation_pending");
    expect(pending.length).toBeGreaterThanOrEqual(2);
    for (const run of pending) {
      const esc = run.spans.find((s) => s.name === "escalation.request")!;
      expect(esc.attributes["flightdeck.step.kind"]).toBe("ESCALATION");
      expect(esc.attributes["flightdeck.escalation.status"]).toBe("pending");
      expect(esc.attributes["flightdeck.escalation.tool"]).toBeTruthy();
      expect(run.spans.some((s) => s.parentSpanId === null)).toBe(false);
    }
    const approved = runs.find((r) => r.variant === "escalation_approved")!;
    expect(approved.spans.find((s) => s.name === "escalation.request")!.attributes["flightdeck.escalation.decided_by"]).toBe("compliance@flightdeck.local");
  });

  it("follows a failed tool call with another step (retry, fallback or a wrong inference)", () => {
    for (const variant of ["retry", "fallback", "wrong_inference"] as const) {
      const run = runs.find((r) => r.variant === variant && r.spans.some((s) => s.status?.code === 2))!;
      const ordered = [...run.spans].filter((s) => s.parentSpanId !== null).sort((a, b) => a.startMs - b.startMs);
      const failedAt = ordered.findIndex((s) => s.status?.code === 2);
      expect(failedAt).toBeGreaterThanOrEqual(0);
      expect(ordered.length).toBeGreaterThan(failedAt + 1);
    }
  });

  it("writes decisions with alternatives (a JSON array), rationale and confidence", () => {
    const decisions = runs.flatMap((r) => r.spans.filter((s) => s.attributes["flightdeck.decision.chosen"]));
    expect(decisions.length).toBeGreaterThan(50);
    for (const d of decisions) {
      expect(Array.isArray(JSON.parse(String(d.attributes["flightdeck.decision.alternatives"])))).toBe(true);
      expect(typeof d.attributes["flightdeck.decision.rationale"]).toBe("string");
      const c = Number(d.attributes["flightdeck.decision.confidence"]);
      expect(c).toBeGreaterThan(0);
      expect(c).toBeLessThanOrEqual(1);
    }
  });

  it("has good text with a bad outcome and the reverse", () => {
    const outcome = (r: DemoRun) => r.spans.find((s) => s.parentSpanId === null)?.attributes["flightdeck.run.outcome"];
    expect(runs.filter((r) => r.variant === "good_text_bad_outcome").map(outcome)).toContain("failure");
    expect(runs.filter((r) => r.variant === "bad_text_good_outcome").map(outcome)).toContain("success");
  });

  it("writes messages in the GenAI conventions' shape", () => {
    const llm = runs[0]!.spans.find((s) => s.attributes["gen_ai.operation.name"] === "chat")!;
    const input = JSON.parse(String(llm.attributes["gen_ai.input.messages"]));
    const output = JSON.parse(String(llm.attributes["gen_ai.output.messages"]));
    expect(input[0]).toMatchObject({ role: "system", parts: [{ type: "text" }] });
    expect(output[0].role).toBe("assistant");
    expect(output[0].finish_reason).toMatch(/stop|tool_calls/);
  });
});

describe("OTLP/JSON batches", () => {
  const batches = [...demoBatches(options, 200)];

  it("are valid OTLP that the ingestion mapping accepts span by span", () => {
    let total = 0;
    for (const batch of batches) {
      const spans = decodeOtlpJson(JSON.parse(JSON.stringify(batch.request)));
      expect(spans).toHaveLength(batch.spans);
      for (const span of spans) {
        const mapped = mapSpan(span, NOW);
        if (!mapped.ok) throw new Error(`${span.name}: ${mapped.message}`);
      }
      total += spans.length;
    }
    expect(total).toBe(runs.reduce((n, r) => n + r.spans.length, 0));
    expect(batches.reduce((n, b) => n + b.runsCompleted, 0)).toBe(120);
  });

  it("map to the right step kinds, tokens and failures", () => {
    const steps = batches.flatMap((b) => decodeOtlpJson(b.request)).map((s) => mapSpan(s, NOW)).flatMap((m) => (m.ok ? [m.step] : []));
    const kinds = new Set(steps.map((s) => s.kind));
    for (const k of ["AGENT", "LLM_CALL", "TOOL_CALL", "DECISION", "ESCALATION"]) expect(kinds).toContain(k);
    const llm = steps.filter((s) => s.kind === "LLM_CALL");
    expect(llm.every((s) => (s.inputTokens ?? 0) > 0 && (s.outputTokens ?? 0) > 0 && s.model)).toBe(true);
    expect(llm.some((s) => (s.cachedInputTokens ?? 0) > 0)).toBe(true);
    expect(steps.some((s) => s.kind === "TOOL_CALL" && s.status === "FAILED" && s.error)).toBe(true);
    expect(steps.filter((s) => s.teamName === null)).toHaveLength(0);
  });

  it("are cut at the requested size, so a run's spans may arrive in two requests", () => {
    expect(batches.slice(0, -1).every((b) => b.spans === 200)).toBe(true);
  });
});

describe("ids across days", () => {
  it("keeps the trace ids and root span ids of a seed when `now` moves", () => {
    const later = [...generateRuns({ ...options, now: NOW + 3 * 24 * 3600_000 + 17 * 60_000 })];
    const key = (r: DemoRun) => `${r.traceId}:${r.spans.find((s) => s.parentSpanId === null)?.spanId ?? ""}`;
    expect(new Set(later.map(key))).toEqual(new Set(runs.map(key)));
  });
});
