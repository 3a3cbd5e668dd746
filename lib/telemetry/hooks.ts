/**
 * The post-store hooks of ingestion, in the order they run (pipeline.ts).
 * Each is owned by its area. The spend rollup stays last: its shared rows are
 * locked until commit, so it runs as late as possible.
 */
import { evaluatorsHook } from "@/lib/evaluations/ingest-hook";
import { runAnalysisHook } from "@/lib/runs/ingest-hook";
import { spendRollupHook } from "@/lib/spend/ingest-hook";
import type { PostStoreHook } from "./pipeline";

export const POST_STORE_HOOKS: readonly PostStoreHook[] = [runAnalysisHook, evaluatorsHook, spendRollupHook];
