-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "flagExecutedDifferently" BOOLEAN NOT NULL DEFAULT false;


-- ───────────── Hand-written: the flag moves out of the run's attributes ─────────────
-- Runs flagged before this migration carried it as an attribute; the column replaces it.
UPDATE "Run" SET "flagExecutedDifferently" = true, "attributes" = "attributes" - 'flightdeck.escalation.executed_differently'
WHERE "attributes" ? 'flightdeck.escalation.executed_differently';
