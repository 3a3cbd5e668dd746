/**
 * Run analysis after ingestion: loop detection, heuristic evaluators, flags.
 * CONTRACT (ingestion calls this last in its transaction, with the ids of the
 * runs the request touched; keep the signature).
 *
 * A fixed handful of set-based statements per batch, whatever its size:
 *   1. a stalled run that received a step goes back to RUNNING (flagStall stays);
 *   2. loops: one GROUP BY (window) over the touched runs' tool calls and decisions;
 *   3. heuristic evaluators of the agents' current configurations on new LLM outputs.
 */
import type { Tx } from "@/lib/db";
import { runHeuristicEvaluators } from "@/lib/evaluations/ingest";
import { flagLoops } from "./loops";
import { resumeStalledRuns } from "./stalls";

export async function analyzeRuns(tx: Tx, runIds: string[]): Promise<void> {
  const ids = [...new Set(runIds)].filter(Boolean);
  if (ids.length === 0) return;
  await resumeStalledRuns(tx, ids);
  await flagLoops(tx, ids);
  await runHeuristicEvaluators(tx, ids);
}
