-- CreateEnum
CREATE TYPE "PriceRecomputeStatus" AS ENUM ('QUEUED', 'RUNNING', 'DONE', 'FAILED');

-- AlterTable
ALTER TABLE "Budget" ADD COLUMN     "createdById" TEXT,
ADD COLUMN     "createdByName" TEXT;

-- CreateTable
CREATE TABLE "SpendMonthly" (
    "month" DATE NOT NULL,
    "teamId" TEXT NOT NULL DEFAULT '',
    "agentId" TEXT NOT NULL DEFAULT '',
    "calls" INTEGER NOT NULL DEFAULT 0,
    "unpricedCalls" INTEGER NOT NULL DEFAULT 0,
    "costUsd" DECIMAL(20,9) NOT NULL DEFAULT 0,

    CONSTRAINT "SpendMonthly_pkey" PRIMARY KEY ("month","teamId","agentId")
);

-- CreateTable
CREATE TABLE "BudgetReservation" (
    "id" TEXT NOT NULL,
    "agentId" TEXT NOT NULL,
    "teamId" TEXT,
    "traceId" TEXT,
    "estimatedCostUsd" DECIMAL(14,6) NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "settledAt" TIMESTAMP(3),
    "apiKeyId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "BudgetReservation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SpendAnomaly" (
    "id" TEXT NOT NULL,
    "agentId" TEXT NOT NULL,
    "hourStart" TIMESTAMP(3) NOT NULL,
    "costUsd" DECIMAL(20,9) NOT NULL,
    "baselineUsd" DECIMAL(20,9) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SpendAnomaly_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PriceRecompute" (
    "id" TEXT NOT NULL,
    "status" "PriceRecomputeStatus" NOT NULL DEFAULT 'QUEUED',
    "matchPattern" TEXT,
    "total" INTEGER NOT NULL DEFAULT 0,
    "done" INTEGER NOT NULL DEFAULT 0,
    "repriced" INTEGER NOT NULL DEFAULT 0,
    "stillUnpriced" INTEGER NOT NULL DEFAULT 0,
    "cursor" TEXT,
    "error" TEXT,
    "requestedById" TEXT,
    "requestedByName" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "PriceRecompute_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "SpendMonthly_month_agentId_idx" ON "SpendMonthly"("month", "agentId");

-- CreateIndex
CREATE INDEX "BudgetReservation_traceId_idx" ON "BudgetReservation"("traceId");

-- CreateIndex
CREATE INDEX "BudgetReservation_agentId_expiresAt_idx" ON "BudgetReservation"("agentId", "expiresAt");

-- CreateIndex
CREATE INDEX "BudgetReservation_expiresAt_idx" ON "BudgetReservation"("expiresAt");

-- CreateIndex
CREATE INDEX "SpendAnomaly_hourStart_idx" ON "SpendAnomaly"("hourStart");

-- CreateIndex
CREATE UNIQUE INDEX "SpendAnomaly_agentId_hourStart_key" ON "SpendAnomaly"("agentId", "hourStart");

-- CreateIndex
CREATE INDEX "PriceRecompute_status_createdAt_idx" ON "PriceRecompute"("status", "createdAt");

-- AddForeignKey
ALTER TABLE "BudgetReservation" ADD CONSTRAINT "BudgetReservation_agentId_fkey" FOREIGN KEY ("agentId") REFERENCES "Agent"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SpendAnomaly" ADD CONSTRAINT "SpendAnomaly_agentId_fkey" FOREIGN KEY ("agentId") REFERENCES "Agent"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Hand-written: one budget per target (the organisation, a team, an agent).
CREATE UNIQUE INDEX "fd_budget_one_per_target" ON "Budget"("scope", COALESCE("teamId", ''), COALESCE("agentId", ''));

-- Hand-written: a budget names exactly the target its scope says.
ALTER TABLE "Budget" ADD CONSTRAINT "fd_budget_target" CHECK (
  ("scope" = 'GLOBAL' AND "teamId" IS NULL AND "agentId" IS NULL)
  OR ("scope" = 'TEAM' AND "teamId" IS NOT NULL AND "agentId" IS NULL)
  OR ("scope" = 'AGENT' AND "agentId" IS NOT NULL AND "teamId" IS NULL)
);
ALTER TABLE "Budget" ADD CONSTRAINT "fd_budget_limit" CHECK ("monthlyLimitUsd" >= 0);
ALTER TABLE "BudgetReservation" ADD CONSTRAINT "fd_budget_reservation_estimate" CHECK ("estimatedCostUsd" >= 0);

-- Hand-written: the reservations still held, which every check sums.
CREATE INDEX "fd_budget_reservation_open" ON "BudgetReservation"("agentId", "expiresAt") INCLUDE ("teamId", "estimatedCostUsd") WHERE "settledAt" IS NULL;

-- Hand-written: the calls still without a price, which a re-pricing walks in id order.
CREATE INDEX "fd_step_unpriced" ON "Step"("id") WHERE "unpriced";

-- Backfill: the monthly rollup from the daily one.
INSERT INTO "SpendMonthly" ("month", "teamId", "agentId", "calls", "unpricedCalls", "costUsd")
SELECT date_trunc('month', "day")::date, "teamId", "agentId", SUM("calls"), SUM("unpricedCalls"), SUM("costUsd")
FROM "SpendDaily"
GROUP BY 1, 2, 3;
