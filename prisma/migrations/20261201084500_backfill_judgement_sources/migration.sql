-- Runs a person judged before Run.outcomeSource / outputScoreSource existed: mark
-- them HUMAN, so ingestion never replaces those judgements (data only; no schema change).
UPDATE "Run" r SET "outcomeSource" = 'HUMAN'
WHERE r."outcomeSource" IS NULL
  AND EXISTS (SELECT 1 FROM "Evaluation" e WHERE e."runId" = r.id AND e.source = 'HUMAN' AND e.kind = 'OUTCOME');

UPDATE "Run" r SET "outputScoreSource" = 'HUMAN'
WHERE r."outputScoreSource" IS NULL
  AND EXISTS (SELECT 1 FROM "Evaluation" e WHERE e."runId" = r.id AND e.source = 'HUMAN' AND e.kind = 'OUTPUT');
