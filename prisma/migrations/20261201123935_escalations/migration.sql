-- AlterEnum
BEGIN;
CREATE TYPE "TimeoutAction_new" AS ENUM ('REJECT', 'APPROVE', 'KEEP_OPEN');
ALTER TABLE "Policy" ALTER COLUMN "timeoutAction" DROP DEFAULT;
-- Edited: EXPIRE was a rejection under another name (fail closed); Escalation has no timeoutAction column yet.
ALTER TABLE "Policy" ALTER COLUMN "timeoutAction" TYPE "TimeoutAction_new"
  USING ((CASE "timeoutAction"::text WHEN 'EXPIRE' THEN 'REJECT' ELSE "timeoutAction"::text END)::"TimeoutAction_new");
ALTER TYPE "TimeoutAction" RENAME TO "TimeoutAction_old";
ALTER TYPE "TimeoutAction_new" RENAME TO "TimeoutAction";
DROP TYPE "TimeoutAction_old";
ALTER TABLE "Policy" ALTER COLUMN "timeoutAction" SET DEFAULT 'REJECT';
COMMIT;

-- AlterTable
ALTER TABLE "Policy" ADD COLUMN     "deadlineMinutes" INTEGER NOT NULL DEFAULT 240,
ADD COLUMN     "escalationChain" JSONB NOT NULL DEFAULT '[]',
ADD COLUMN     "maxAutonomyLevel" INTEGER,
ADD COLUMN     "removedAt" TIMESTAMP(3),
ADD COLUMN     "version" INTEGER NOT NULL DEFAULT 1,
ADD COLUMN     "warnBeforeMinutes" INTEGER NOT NULL DEFAULT 15,
ALTER COLUMN "timeoutAction" SET DEFAULT 'REJECT';

-- AlterTable
ALTER TABLE "Escalation" ADD COLUMN     "approvedArguments" JSONB,
ADD COLUMN     "approvedArgumentsHash" TEXT,
ADD COLUMN     "argumentsHash" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "chainLevel" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "chainNotified" JSONB NOT NULL DEFAULT '[]',
ADD COLUMN     "claimExpiresAt" TIMESTAMP(3),
ADD COLUMN     "closedReason" TEXT,
ADD COLUMN     "deciderRole" "Role" NOT NULL DEFAULT 'COMPLIANCE',
ADD COLUMN     "executedAt" TIMESTAMP(3),
ADD COLUMN     "executedDifferently" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "executedDifferentlyReason" TEXT,
ADD COLUMN     "executedSpanId" TEXT,
ADD COLUMN     "executionCount" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "expiresAt" TIMESTAMP(3),
ADD COLUMN     "matchReasons" JSONB NOT NULL DEFAULT '[]',
ADD COLUMN     "overdueAt" TIMESTAMP(3),
ADD COLUMN     "policyName" TEXT,
ADD COLUMN     "policyVersion" INTEGER,
ADD COLUMN     "policyVersionId" TEXT,
ADD COLUMN     "requestedById" TEXT,
ADD COLUMN     "requestedByKeyId" TEXT,
ADD COLUMN     "requestedByName" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "slaBreachedAt" TIMESTAMP(3),
ADD COLUMN     "teamName" TEXT,
ADD COLUMN     "timeoutAction" "TimeoutAction" NOT NULL DEFAULT 'REJECT',
ADD COLUMN     "warnAt" TIMESTAMP(3),
ADD COLUMN     "warnedAt" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "EscalationDecision" ADD COLUMN     "arguments" JSONB,
ADD COLUMN     "argumentsHash" TEXT,
ADD COLUMN     "via" TEXT NOT NULL DEFAULT 'console';

-- CreateTable
CREATE TABLE "PolicyVersion" (
    "id" TEXT NOT NULL,
    "policyId" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "state" JSONB,
    "changeId" TEXT,
    "createdByName" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PolicyVersion_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "PolicyVersion_policyId_version_key" ON "PolicyVersion"("policyId", "version");

-- CreateIndex
CREATE INDEX "Escalation_status_decidedAt_idx" ON "Escalation"("status", "decidedAt");

-- CreateIndex
CREATE INDEX "Escalation_traceId_idx" ON "Escalation"("traceId");

-- AddForeignKey
ALTER TABLE "PolicyVersion" ADD CONSTRAINT "PolicyVersion_policyId_fkey" FOREIGN KEY ("policyId") REFERENCES "Policy"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Escalation" ADD CONSTRAINT "Escalation_policyVersionId_fkey" FOREIGN KEY ("policyVersionId") REFERENCES "PolicyVersion"("id") ON DELETE SET NULL ON UPDATE CASCADE;



-- Hand-written: a clearance request re-sent for the same span is the same escalation (idempotent retries).
CREATE UNIQUE INDEX "fd_escalation_span_once" ON "Escalation"("traceId", "spanId") WHERE "traceId" IS NOT NULL AND "spanId" IS NOT NULL;

-- Hand-written: what the deadline job walks (pending escalations by deadline, by warning time).
CREATE INDEX "fd_escalation_pending_deadline" ON "Escalation"("expiresAt") WHERE "status" = 'PENDING';
CREATE INDEX "fd_escalation_pending_warning" ON "Escalation"("warnAt") WHERE "status" = 'PENDING' AND "warnedAt" IS NULL;

-- Hand-written: a policy's rules, whatever writes it.
ALTER TABLE "Policy" ADD CONSTRAINT "fd_policy_required_approvals" CHECK ("requiredApprovals" IN (1, 2));
ALTER TABLE "Policy" ADD CONSTRAINT "fd_policy_decider_role" CHECK ("deciderRole" IN ('COMPLIANCE', 'ADMIN'));
ALTER TABLE "Policy" ADD CONSTRAINT "fd_policy_minutes" CHECK ("slaMinutes" > 0 AND "deadlineMinutes" > 0 AND "warnBeforeMinutes" >= 0);
ALTER TABLE "Policy" ADD CONSTRAINT "fd_policy_confidence" CHECK ("minConfidence" IS NULL OR ("minConfidence" >= 0 AND "minConfidence" <= 1));
ALTER TABLE "Policy" ADD CONSTRAINT "fd_policy_autonomy" CHECK ("maxAutonomyLevel" IS NULL OR "maxAutonomyLevel" BETWEEN 0 AND 3);
ALTER TABLE "Policy" ADD CONSTRAINT "fd_policy_argument" CHECK (("argument" IS NULL) = ("threshold" IS NULL));
ALTER TABLE "Policy" ADD CONSTRAINT "fd_policy_scope" CHECK ("agentId" IS NULL OR "teamId" IS NULL);
ALTER TABLE "PolicyVersion" ADD CONSTRAINT "fd_policy_version_positive" CHECK ("version" >= 1);

-- Hand-written: an escalation is decided exactly when it is no longer pending, and what is approved says with which arguments.
ALTER TABLE "Escalation" ADD CONSTRAINT "fd_escalation_required_approvals" CHECK ("requiredApprovals" IN (1, 2));
ALTER TABLE "Escalation" ADD CONSTRAINT "fd_escalation_decided" CHECK (("status" = 'PENDING') = ("decidedAt" IS NULL));
ALTER TABLE "Escalation" ADD CONSTRAINT "fd_escalation_approved_arguments" CHECK ("status" NOT IN ('APPROVED', 'CLEARED') OR ("approvedArguments" IS NOT NULL AND "approvedArgumentsHash" IS NOT NULL));
