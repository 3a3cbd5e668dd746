-- AlterTable
ALTER TABLE "User" ADD COLUMN     "demoPassword" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "mustChangePassword" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "passwordChangedAt" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "outcomeSource" "EvaluationSource",
ADD COLUMN     "outputScoreSource" "EvaluationSource";

-- AlterTable
ALTER TABLE "Evaluation" ADD COLUMN     "apiKeyId" TEXT,
ADD COLUMN     "dedupKey" TEXT;

-- CreateTable
CREATE TABLE "Session" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "lastSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revokedAt" TIMESTAMP(3),
    "revokedReason" TEXT,
    "userAgent" TEXT,
    "ipAddress" TEXT,

    CONSTRAINT "Session_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SignInThrottle" (
    "key" TEXT NOT NULL,
    "failures" INTEGER NOT NULL DEFAULT 0,
    "lastFailureAt" TIMESTAMP(3) NOT NULL,
    "nextAllowedAt" TIMESTAMP(3) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SignInThrottle_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "IngestLedger" (
    "apiKeyId" TEXT NOT NULL,
    "minute" TIMESTAMP(3) NOT NULL,
    "source" TEXT NOT NULL,
    "shard" INTEGER NOT NULL,
    "requests" INTEGER NOT NULL DEFAULT 0,
    "spansReceived" INTEGER NOT NULL DEFAULT 0,
    "spansAccepted" INTEGER NOT NULL DEFAULT 0,
    "spansDuplicate" INTEGER NOT NULL DEFAULT 0,
    "spansRejected" INTEGER NOT NULL DEFAULT 0,
    "runsCreated" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "IngestLedger_pkey" PRIMARY KEY ("apiKeyId","minute","source","shard")
);

-- CreateIndex
CREATE INDEX "Session_userId_revokedAt_idx" ON "Session"("userId", "revokedAt");

-- CreateIndex
CREATE INDEX "Session_expiresAt_idx" ON "Session"("expiresAt");

-- CreateIndex
CREATE INDEX "SignInThrottle_lastFailureAt_idx" ON "SignInThrottle"("lastFailureAt");

-- CreateIndex
CREATE INDEX "IngestLedger_minute_idx" ON "IngestLedger"("minute");

-- CreateIndex
CREATE UNIQUE INDEX "Evaluation_dedupKey_key" ON "Evaluation"("dedupKey");

-- AddForeignKey
ALTER TABLE "Session" ADD CONSTRAINT "Session_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

