-- AlterTable
ALTER TABLE "Breaker" ADD COLUMN     "lastEvaluatedAt" TIMESTAMP(3),
ADD COLUMN     "lastValue" DOUBLE PRECISION,
ADD COLUMN     "windowStartedAt" TIMESTAMP(3);

