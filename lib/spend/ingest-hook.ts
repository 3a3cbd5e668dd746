/** Adds each ingested batch's billable calls to the daily spend rollup (rollup.ts). */
import type { PostStoreHook } from "@/lib/telemetry/pipeline";
import { applySpendRollup } from "./rollup";

export const spendRollupHook: PostStoreHook = {
  name: "spend.rollup",
  run: ({ tx, connection, stored }) => applySpendRollup(tx, stored.steps.spend, connection),
};
