-- CreateEnum
CREATE TYPE "BreakerCondition" AS ENUM ('TOOL_ERROR_RATE', 'LOOPS', 'SPEND_HOUR', 'ESCALATIONS_REJECTED', 'RUN_DURATION');

-- CreateEnum
CREATE TYPE "BreakerMode" AS ENUM ('OBSERVE', 'ENFORCE');

-- CreateEnum
CREATE TYPE "BreakerState" AS ENUM ('CLOSED', 'OPEN', 'HALF_OPEN');

-- CreateEnum
CREATE TYPE "BreakerEventKind" AS ENUM ('WOULD_TRIP', 'TRIPPED', 'HALF_OPEN', 'CLOSED');

-- CreateEnum
CREATE TYPE "RunbookTarget" AS ENUM ('AGENT', 'POLICY');

-- AlterTable
ALTER TABLE "ApiKey" ADD COLUMN     "agentId" TEXT;

-- AlterTable
ALTER TABLE "Agent" ADD COLUMN     "statusBreakerId" TEXT,
ADD COLUMN     "statusSetBy" TEXT;

-- CreateTable
CREATE TABLE "AgentStatusEvent" (
    "id" TEXT NOT NULL,
    "agentId" TEXT NOT NULL,
    "status" "AgentStatus" NOT NULL,
    "previous" "AgentStatus" NOT NULL,
    "reason" TEXT NOT NULL,
    "setBy" TEXT NOT NULL,
    "userId" TEXT,
    "breakerId" TEXT,
    "acknowledged" TEXT,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AgentStatusEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Breaker" (
    "id" TEXT NOT NULL,
    "agentId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "condition" "BreakerCondition" NOT NULL,
    "params" JSONB NOT NULL,
    "mode" "BreakerMode" NOT NULL DEFAULT 'OBSERVE',
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "coolDownMinutes" INTEGER NOT NULL DEFAULT 15,
    "halfOpen" BOOLEAN NOT NULL DEFAULT false,
    "state" "BreakerState" NOT NULL DEFAULT 'CLOSED',
    "stateChangedAt" TIMESTAMP(3),
    "probeRunId" TEXT,
    "lastFiredAt" TIMESTAMP(3),
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Breaker_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BreakerEvent" (
    "id" TEXT NOT NULL,
    "breakerId" TEXT NOT NULL,
    "agentId" TEXT NOT NULL,
    "kind" "BreakerEventKind" NOT NULL,
    "value" DOUBLE PRECISION,
    "message" TEXT NOT NULL,
    "runIds" TEXT[],
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "BreakerEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RunbookVersion" (
    "id" TEXT NOT NULL,
    "targetType" "RunbookTarget" NOT NULL,
    "targetId" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "body" TEXT NOT NULL,
    "message" TEXT,
    "createdById" TEXT,
    "createdByName" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RunbookVersion_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "AgentStatusEvent_agentId_at_idx" ON "AgentStatusEvent"("agentId", "at");

-- CreateIndex
CREATE INDEX "AgentStatusEvent_at_idx" ON "AgentStatusEvent"("at");

-- CreateIndex
CREATE INDEX "Breaker_enabled_condition_idx" ON "Breaker"("enabled", "condition");

-- CreateIndex
CREATE UNIQUE INDEX "Breaker_agentId_name_key" ON "Breaker"("agentId", "name");

-- CreateIndex
CREATE INDEX "BreakerEvent_breakerId_at_idx" ON "BreakerEvent"("breakerId", "at");

-- CreateIndex
CREATE INDEX "BreakerEvent_agentId_at_idx" ON "BreakerEvent"("agentId", "at");

-- CreateIndex
CREATE UNIQUE INDEX "RunbookVersion_targetType_targetId_version_key" ON "RunbookVersion"("targetType", "targetId", "version");

-- AddForeignKey
ALTER TABLE "ApiKey" ADD CONSTRAINT "ApiKey_agentId_fkey" FOREIGN KEY ("agentId") REFERENCES "Agent"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AgentStatusEvent" ADD CONSTRAINT "AgentStatusEvent_agentId_fkey" FOREIGN KEY ("agentId") REFERENCES "Agent"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Breaker" ADD CONSTRAINT "Breaker_agentId_fkey" FOREIGN KEY ("agentId") REFERENCES "Agent"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BreakerEvent" ADD CONSTRAINT "BreakerEvent_breakerId_fkey" FOREIGN KEY ("breakerId") REFERENCES "Breaker"("id") ON DELETE CASCADE ON UPDATE CASCADE;

