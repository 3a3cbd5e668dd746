/**
 * Run analysis after ingestion: loop detection, heuristic evaluators, flags.
 * CONTRACT (ingestion calls this last in its transaction, with the ids of the
 * runs the request touched; keep the signature).
 *
 * A fixed handful of set-based statements per batch, whatever its size:
 *   1. a stalled run that received a step goes back to RUNNING (flagStall stays);
 *   2. loops: one GROUP BY (window) over the touched runs' tool calls and decisions;
 *   3. heuristic evaluators of the agents' current configurations on new LLM outputs.
 *
 * The OTLP hot path (`storeSteps`) already does 1 in its run upsert and 2 for
 * the runs it created, and knows whether any agent has evaluators: it passes
 * `options` so that only what is left runs here.
 */
import type { Tx } from "@/lib/db";
import { runHeuristicEvaluators } from "@/lib/evaluations/ingest";
import { flagLoops } from "./loops";
import { resumeStalledRuns } from "./stalls";

export interface AnalysisOptions {
  /** Stalled runs were already resumed by the caller (the run upsert does it). */
  stallsResumed?: boolean;
  /** Run loop detection only over these runs (those that existed and received tool calls or decisions). */
  loopRunIds?: string[];
  /** False when no agent has evaluators configured and no evaluation was ingested: nothing to score. */
  evaluators?: boolean;
}

export async function analyzeRuns(tx: Tx, runIds: string[], options: AnalysisOptions = {}): Promise<void> {
  const ids = [...new Set(runIds)].filter(Boolean);
  if (ids.length === 0) return;
  if (!options.stallsResumed) await resumeStalledRuns(tx, ids);
  const loopIds = options.loopRunIds ?? ids;
  if (loopIds.length) await flagLoops(tx, loopIds);
  if (options.evaluators !== false) await runHeuristicEvaluators(tx, ids);
}
