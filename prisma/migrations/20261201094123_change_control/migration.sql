-- AlterEnum
ALTER TYPE "ChangeStatus" ADD VALUE 'SUPERSEDED';

-- AlterTable
ALTER TABLE "Agent" ADD COLUMN     "configProtected" BOOLEAN NOT NULL DEFAULT true;

-- AlterTable
ALTER TABLE "AgentConfigVersion" ADD COLUMN     "autonomyLevel" INTEGER,
ADD COLUMN     "createdByName" TEXT;

-- AlterTable
ALTER TABLE "Prompt" ADD COLUMN     "protectedLabels" TEXT[] DEFAULT ARRAY['production']::TEXT[];

-- AlterTable
ALTER TABLE "PromptLabel" DROP COLUMN "protected",
ADD COLUMN     "canaryVersionId" TEXT,
ADD COLUMN     "canaryWeight" INTEGER;

-- AlterTable
ALTER TABLE "Change" ADD COLUMN     "closedAt" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "PromptLabelMove" (
    "id" TEXT NOT NULL,
    "promptId" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "version" INTEGER,
    "fromVersion" INTEGER,
    "canaryVersion" INTEGER,
    "canaryWeight" INTEGER,
    "changeId" TEXT NOT NULL,
    "movedByName" TEXT NOT NULL,
    "movedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PromptLabelMove_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "PromptLabelMove_promptId_label_movedAt_idx" ON "PromptLabelMove"("promptId", "label", "movedAt");

-- CreateIndex
CREATE INDEX "PromptLabelMove_movedAt_idx" ON "PromptLabelMove"("movedAt");

-- AddForeignKey
ALTER TABLE "PromptLabel" ADD CONSTRAINT "PromptLabel_canaryVersionId_fkey" FOREIGN KEY ("canaryVersionId") REFERENCES "PromptVersion"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PromptLabelMove" ADD CONSTRAINT "PromptLabelMove_promptId_fkey" FOREIGN KEY ("promptId") REFERENCES "Prompt"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PromptLabelMove" ADD CONSTRAINT "PromptLabelMove_changeId_fkey" FOREIGN KEY ("changeId") REFERENCES "Change"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Hand-written: at most one proposed change waits per target, so two
-- proposals on one target resolve with exactly one winner (the other gets 409).
CREATE UNIQUE INDEX "fd_change_one_pending_per_target" ON "Change"("targetType", "targetId") WHERE "status" = 'PENDING';

-- Hand-written: a canary takes a share of 1-99 % of callers, and only with a canary version.
ALTER TABLE "PromptLabel" ADD CONSTRAINT "fd_prompt_label_canary" CHECK (
  ("canaryVersionId" IS NULL AND "canaryWeight" IS NULL)
  OR ("canaryVersionId" IS NOT NULL AND "canaryWeight" BETWEEN 1 AND 99)
);
