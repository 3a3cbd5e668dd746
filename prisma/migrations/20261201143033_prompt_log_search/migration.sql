-- CreateTable
CREATE TABLE "PromptLogDoc" (
    "stepId" TEXT NOT NULL,
    "runId" TEXT NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "model" TEXT,
    "promptName" TEXT,
    "promptVersion" INTEGER,
    "doc" tsvector NOT NULL,

    CONSTRAINT "PromptLogDoc_pkey" PRIMARY KEY ("stepId")
);

-- CreateTable
CREATE TABLE "PromptLogIndexState" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "safeCreatedAt" TIMESTAMP(3) NOT NULL,
    "safeStepId" TEXT NOT NULL,
    "scannedCreatedAt" TIMESTAMP(3) NOT NULL,
    "scannedStepId" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PromptLogIndexState_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "PromptLogDoc_doc_idx" ON "PromptLogDoc" USING GIN ("doc");

-- CreateIndex
CREATE INDEX "PromptLogDoc_startedAt_stepId_idx" ON "PromptLogDoc"("startedAt" DESC, "stepId" DESC);

-- AddForeignKey
ALTER TABLE "PromptLogDoc" ADD CONSTRAINT "PromptLogDoc_stepId_fkey" FOREIGN KEY ("stepId") REFERENCES "Step"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- ───────────── Hand-written (named fd_*, left out of the drift check) ─────────────
-- The Prompt log's full-text search (lib/prompts/log/). Ingestion builds no
-- full-text entry: the prompt_log_index job (lib/prompts/log/indexer.ts) reads
-- LLM calls in the order they were stored ("createdAt", id) and writes each
-- one's document into "PromptLogDoc", whose GIN index the search uses.
--
-- What is indexed: every string value of "inputMessages" and "outputMessages"
-- (contents, tool-call arguments, roles), tokenised with the `simple`
-- configuration (lower-cased, no stemming, no stop words: any language, exact
-- words).
--
-- Bounds: PostgreSQL refuses a tsvector over 1 MB of lexemes ("string is too
-- long for tsvector"), which would fail the job's whole batch on a span with a
-- few MB of distinct tokens (ingestion bodies may be 16 MB). So each side's text
-- is capped at 100,000 characters (at most 400 kB of lexemes, 800 kB for both):
-- longer texts keep their first and last 50,000 characters, which hold the
-- system prompt and the latest turn. The output comes first in the vector:
-- positions saturate at 16,383, so a long input cannot push the output's
-- positions past phrase search.
--
-- Upgrading a large database: this migration builds one btree on "Step" (the
-- LLM calls' "createdAt", about a second per million calls) while holding a lock
-- that blocks writes to it; to keep ingesting meanwhile, create it by hand first
-- with CREATE INDEX CONCURRENTLY (the statement below then finds it: IF NOT
-- EXISTS). The documents of the calls already stored are written by the job
-- after the upgrade, in the background; until it has caught up, the log says
-- how many calls are not searchable yet.

-- The text of a messages document: its string values in document order, bounded as above.
-- COST: with it, tokenising is priced as what it is (~0.1 ms per kB, a thousand times an operator).
CREATE OR REPLACE FUNCTION fd_prompt_log_text(messages jsonb) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 1000
BEGIN ATOMIC
  SELECT CASE WHEN length(t) <= 100000 THEN t ELSE left(t, 50000) || ' … ' || right(t, 50000) END
  FROM (
    SELECT string_agg(v #>> '{}', ' ') AS t
    FROM jsonb_path_query(messages, 'strict $.**') AS v
    WHERE jsonb_typeof(v) = 'string'
  ) AS strings;
END;

-- The searchable vector of one LLM call: what "PromptLogDoc".doc holds.
CREATE OR REPLACE FUNCTION fd_prompt_log_vector(input jsonb, output jsonb) RETURNS tsvector
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN to_tsvector('simple'::regconfig, coalesce(fd_prompt_log_text(output), ''))
      || to_tsvector('simple'::regconfig, coalesce(fd_prompt_log_text(input), ''));

-- The job's reading order: LLM calls in the order they were stored. The one index this
-- feature adds to "Step", so the one cost it adds to ingestion (partial: other steps pay nothing).
CREATE INDEX IF NOT EXISTS "fd_step_prompt_log_created" ON "Step" ("createdAt", id) WHERE kind = 'LLM_CALL';

-- The job's state is one row.
ALTER TABLE "PromptLogIndexState" ADD CONSTRAINT "fd_prompt_log_index_state_one_row" CHECK (id = 1);
