-- Hand-written: the Prompt log's full-text search over what LLM calls sent and
-- received (lib/prompts/log.ts). No schema change: two functions and two
-- partial indexes, named fd_* (the migrations drift test leaves them out).
--
-- What is indexed: every string value of "inputMessages" and "outputMessages"
-- (contents, tool-call arguments, roles), tokenised with the `simple`
-- configuration (lower-cased, no stemming, no stop words: any language, exact
-- words). Only LLM calls (kind = 'LLM_CALL') are indexed, so other steps cost
-- ingestion nothing.
--
-- Bounds: PostgreSQL refuses a tsvector over 1 MB of lexemes ("string is too
-- long for tsvector"), which would fail the whole ingestion request of a span
-- with a few MB of distinct tokens (ingestion bodies may be 16 MB). So each
-- side's text is capped at 100,000 characters (at most 400 kB of lexemes, 800 kB
-- for both): longer texts keep their first and last 50,000 characters, which hold
-- the system prompt and the latest turn. The output comes first in the vector:
-- positions saturate at 16,383, so a long input cannot push the output's
-- positions past phrase search.
--
-- Upgrading a large database: this migration builds the GIN index while holding
-- a lock that blocks writes to "Step" (measured ~10 min per million LLM calls of
-- ~4 kB on 2 cores). To keep ingesting meanwhile, run this file's two functions and
-- the same CREATE INDEX statements with CONCURRENTLY by hand first; the statements
-- below then find everything in place (OR REPLACE, IF NOT EXISTS).

-- The text of a messages document: its string values in document order, bounded as above.
-- COST: with it, tokenising is what it is (~0.1 ms per kB, a thousand times an operator), so the
-- planner prefers the GIN index to filtering rows it reached another way.
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

-- The searchable vector of one LLM call. Queries must use exactly this expression to use the index.
CREATE OR REPLACE FUNCTION fd_prompt_log_vector(input jsonb, output jsonb) RETURNS tsvector
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN to_tsvector('simple'::regconfig, coalesce(fd_prompt_log_text(output), ''))
      || to_tsvector('simple'::regconfig, coalesce(fd_prompt_log_text(input), ''));

-- Full-text search: which LLM calls contain the words (GIN keeps no positions: phrases are rechecked).
CREATE INDEX IF NOT EXISTS "fd_step_prompt_log_search" ON "Step" USING gin (fd_prompt_log_vector("inputMessages", "outputMessages"))
  WHERE kind = 'LLM_CALL';

-- The log's order, newest first, and its keyset pagination (startedAt DESC, id DESC).
CREATE INDEX IF NOT EXISTS "fd_step_prompt_log_time" ON "Step" ("startedAt" DESC, id DESC)
  WHERE kind = 'LLM_CALL';
