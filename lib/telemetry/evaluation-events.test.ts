import { describe, expect, it } from "vitest";
import { evaluationsOfSpan } from "./evaluation-events";
import type { OtlpSpan } from "./otlp";

const span = (events: OtlpSpan["events"], over: Partial<OtlpSpan> = {}): OtlpSpan => ({
  traceId: "a".repeat(32),
  spanId: "b".repeat(16),
  parentSpanId: null,
  name: "chat",
  kind: 1,
  startTimeUnixNano: 1n,
  endTimeUnixNano: 2n,
  attributes: {},
  events,
  statusCode: 0,
  statusMessage: "",
  resource: {},
  scopeName: "",
  ...over,
});

describe("gen_ai.evaluation.result events", () => {
  it("become evaluations of the span's step with name, score, label and explanation", () => {
    const [e] = evaluationsOfSpan(
      span([{ name: "gen_ai.evaluation.result", timeUnixNano: 3n, attributes: { "gen_ai.evaluation.name": "relevance", "gen_ai.evaluation.score.value": 0.82, "gen_ai.evaluation.score.label": "relevant", "gen_ai.evaluation.explanation": "answers the ticket" } }]),
    );
    expect(e).toEqual({ traceId: "a".repeat(32), spanId: "b".repeat(16), kind: "OUTPUT", source: "EXTERNAL", name: "relevance", score: 0.82, passed: null, label: "relevant", comment: "answers the ticket" });
  });

  it("keeps a score outside 0–1 in the comment instead of storing it wrongly, and names a nameless one", () => {
    const [e] = evaluationsOfSpan(span([{ name: "gen_ai.evaluation.result", timeUnixNano: 3n, attributes: { "gen_ai.evaluation.score.value": 4 } }]));
    expect(e).toMatchObject({ name: "evaluation", score: null, comment: "score 4 (outside 0–1, not stored as the score)" });
  });

  it("ignores other events, malformed ids and non-numeric scores", () => {
    expect(evaluationsOfSpan(span([{ name: "gen_ai.choice", timeUnixNano: 1n, attributes: {} }]))).toEqual([]);
    expect(evaluationsOfSpan(span([{ name: "gen_ai.evaluation.result", timeUnixNano: 1n, attributes: {} }], { traceId: "zz" }))).toEqual([]);
    const [e] = evaluationsOfSpan(span([{ name: "gen_ai.evaluation.result", timeUnixNano: 1n, attributes: { "gen_ai.evaluation.score.value": "high" } }]));
    expect(e).toMatchObject({ score: null, comment: null });
  });
});
