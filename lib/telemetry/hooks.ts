/**
 * The post-store hooks of ingestion, in the order they run (pipeline.ts).
 * Each is owned by its area. The spend rollup stays last: its shared rows are
 * locked until commit, so it runs as late as possible. Budget alerts are not
 * a hook: a job reads the rollup (lib/spend/budgets/alerts.ts), so crossing a
 * threshold never slows or blocks ingestion.
 */
import { breakersHook } from "@/lib/agents/breakers/ingest-hook";
import { escalationBindingHook } from "@/lib/escalations/ingest-hook";
import { evaluatorsHook } from "@/lib/evaluations/ingest-hook";
import { runAnalysisHook } from "@/lib/runs/ingest-hook";
import { settleReservationsHook } from "@/lib/spend/budgets/settle-hook";
import { spendRollupHook } from "@/lib/spend/ingest-hook";
import type { PostStoreHook } from "./pipeline";

export const POST_STORE_HOOKS: readonly PostStoreHook[] = [runAnalysisHook, evaluatorsHook, settleReservationsHook, escalationBindingHook, breakersHook, spendRollupHook];
