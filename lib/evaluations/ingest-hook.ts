/**
 * Heuristic evaluators of the agents' current configurations, on the new LLM
 * outputs of each ingested batch; skipped when no agent has evaluators and no
 * run or evaluation item was sent (the step store answers the first question).
 */
import type { PostStoreHook } from "@/lib/telemetry/pipeline";
import { runHeuristicEvaluators } from "./ingest";

export const evaluatorsHook: PostStoreHook = {
  name: "evaluations.heuristics",
  async run({ tx, stored }) {
    if (stored.runIds.length === 0) return;
    if (stored.itemRunIds.length === 0 && !stored.steps.analysis.evaluators) return;
    await runHeuristicEvaluators(tx, stored.runIds);
  },
};
