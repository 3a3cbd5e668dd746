/**
 * The one declared list of periodic jobs. Each job is defined by the area that
 * owns its work (`defineJob` in lib/<area>/…) and listed here once; the
 * scheduler starts these at boot and Settings › System shows them.
 */
import { breakerSweepJob } from "@/lib/agents/breakers/sweep";
import { authCleanupJob } from "@/lib/auth/cleanup-job";
import { escalationDeadlinesJob } from "@/lib/escalations/deadlines";
import { promptLogIndexJob } from "@/lib/prompts/log/indexer";
import { stallSweepJob } from "@/lib/runs/stalls";
import { budgetAlertsJob } from "@/lib/spend/budgets/alerts";
import { spendAnomalyJob } from "@/lib/spend/budgets/anomalies";
import { priceRecomputeJob } from "@/lib/spend/prices/recompute";
import { ingestLedgerRetentionJob } from "@/lib/telemetry/ledger-job";
import { webhookDeliveryJob } from "@/lib/webhooks/delivery-job";
import type { JobDefinition } from "./define";

export const JOBS: readonly JobDefinition[] = [
  stallSweepJob,
  webhookDeliveryJob,
  authCleanupJob,
  ingestLedgerRetentionJob,
  budgetAlertsJob,
  spendAnomalyJob,
  priceRecomputeJob,
  escalationDeadlinesJob,
  promptLogIndexJob,
  breakerSweepJob,
];

/** The registered job of that name (names are unique: registry.test.ts). */
export function findJob(name: string, jobs: readonly JobDefinition[] = JOBS): JobDefinition | undefined {
  return jobs.find((job) => job.name === name);
}
