/**
 * What a judge model would say of each finished demo run's final answer: an
 * OUTPUT evaluation (source JUDGE) sent through the native ingest API, so the
 * runs list's output × outcome quadrants have something to show. Scores follow
 * the scenario: fluent text on a failed action scores high ("good text, wrong
 * action"), clumsy text on a good action scores low.
 */
import type { DemoRun } from "./generator";

export interface DemoEvaluation {
  traceId: string;
  spanId: string;
  kind: "OUTPUT";
  source: "JUDGE";
  name: string;
  score: number;
  label: string;
  comment: string;
}

/** A number in [0, 1) fixed by the trace id, so the demo stays deterministic. */
function unit(traceId: string): number {
  return parseInt(traceId.slice(0, 8), 16) / 0x1_0000_0000;
}

function range(traceId: string, low: number, high: number): number {
  return Math.round((low + unit(traceId) * (high - low)) * 100) / 100;
}

export function judgeEvaluation(run: DemoRun): DemoEvaluation | null {
  const root = run.spans.find((s) => s.parentSpanId === null);
  const answer = [...run.spans].reverse().find((s) => s.attributes["gen_ai.operation.name"] === "chat");
  if (!root || !answer) return null; // still running: nothing final to judge yet
  const failed = root.attributes["flightdeck.run.outcome"] === "failure";
  let score: number;
  let comment: string;
  if (run.variant === "good_text_bad_outcome") {
    score = range(run.traceId, 0.82, 0.96);
    comment = "Clear, confident and well structured.";
  } else if (run.variant === "bad_text_good_outcome") {
    score = range(run.traceId, 0.15, 0.35);
    comment = "Terse and partly off-topic; hard to follow.";
  } else if (run.variant === "wrong_inference" || failed) {
    score = range(run.traceId, 0.3, 0.48);
    comment = "Draws a conclusion the tool results do not support.";
  } else {
    score = range(run.traceId, 0.62, 0.95);
    comment = "Accurate and to the point.";
  }
  return {
    traceId: run.traceId,
    spanId: answer.spanId,
    kind: "OUTPUT",
    source: "JUDGE",
    name: "judge:answer-quality",
    score,
    label: score >= 0.5 ? "good" : "poor",
    comment,
  };
}
