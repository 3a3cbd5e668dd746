/**
 * Run analysis after each ingested batch: stalled runs that received a step
 * resume, loops are flagged. The step store already resumed its runs (in the
 * run upsert) and flagged the loops of the runs it created, so for them only
 * the runs that existed and received tool calls or decisions are checked;
 * runs touched by run or evaluation items get the whole analysis.
 */
import type { PostStoreHook } from "@/lib/telemetry/pipeline";
import { flagLoops } from "./loops";
import { resumeStalledRuns } from "./stalls";

export const runAnalysisHook: PostStoreHook = {
  name: "runs.analysis",
  async run({ tx, stored }) {
    if (stored.runIds.length === 0) return;
    const whole = stored.itemRunIds.length > 0;
    if (whole) await resumeStalledRuns(tx, stored.runIds);
    const loopIds = whole ? stored.runIds : stored.steps.analysis.loopRunIds;
    if (loopIds.length) await flagLoops(tx, loopIds);
  },
};
