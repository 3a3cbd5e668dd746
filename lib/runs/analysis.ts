/**
 * Run analysis after ingestion: loop detection, heuristic evaluators, flags.
 * CONTRACT (ingestion calls this last in its transaction, with the ids of the
 * runs the request touched; keep the signature).
 */
import type { Tx } from "@/lib/db";

export async function analyzeRuns(_tx: Tx, _runIds: string[]): Promise<void> {
  // Filled in by the timelines area (loop detection, heuristic evaluators).
}
