-- AlterTable
ALTER TABLE "BudgetReservation" ADD COLUMN     "idempotencyKey" TEXT,
ADD COLUMN     "inTotals" BOOLEAN NOT NULL DEFAULT true;

-- CreateTable
CREATE TABLE "BudgetReservedTotal" (
    "scope" "BudgetScope" NOT NULL,
    "targetId" TEXT NOT NULL DEFAULT '',
    "seconds" INTEGER NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "shard" INTEGER NOT NULL DEFAULT 0,
    "reservedUsd" DECIMAL(20,6) NOT NULL DEFAULT 0,
    "reservations" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "BudgetReservedTotal_pkey" PRIMARY KEY ("scope","targetId","seconds","at","shard")
);

-- CreateTable
CREATE TABLE "RunPromptVersion" (
    "runId" TEXT NOT NULL,
    "promptName" TEXT NOT NULL,
    "promptVersion" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "RunPromptVersion_pkey" PRIMARY KEY ("runId","promptName","promptVersion")
);


-- ───────────── Hand-written: budget use in the database, a reservation in one statement ─────────────
-- lib/spend/budgets/README.md explains the design; lib/spend/budgets/budgets.int.test.ts proves it.

-- Reserved totals. Invariant: a BudgetReservedTotal row holds the estimates of the reservations with
-- "inTotals" of its shard whose "expiresAt" falls in [at, at + seconds), for the organisation (''), their
-- team and their agent; in two widths, 60 and 1 (the app makes expiries whole seconds). Statement triggers keep it on
-- every write of BudgetReservation, whoever writes: a statement's rows are added up per key first and
-- upserted in key order, so no two writers deadlock. Settlement by ingestion only sets "settledAt" (no
-- shared row is written on the ingestion path): such reservations are folded out of the totals just after
-- (fd_fold_settled_reservations), and until then the readers subtract them. Per-second rows are only read
-- for the minute under way and are purged two minutes after their second.

-- Reservations are spread over shards by agent: a reservation locks its agent's shard of each hard cap
-- (fd_reserve_budget) and counts in its shard's totals, so reservations of different shards neither wait
-- for each other's locks nor for each other's rows.
CREATE FUNCTION fd_budget_shards() RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT 8 $$;
CREATE FUNCTION fd_budget_shard(p_agent_id text) RETURNS int LANGUAGE sql IMMUTABLE AS $$
  SELECT (hashtext(p_agent_id) & 2147483647) % fd_budget_shards()
$$;

-- The six rows a reservation counts in.
CREATE FUNCTION fd_budget_reserved_keys(p_team_id text, p_agent_id text, p_expires_at timestamp)
RETURNS TABLE ("scope" "BudgetScope", "targetId" text, "seconds" int, "at" timestamp, "shard" int) LANGUAGE sql IMMUTABLE AS $$
  SELECT x.scope, x.target, w.seconds, CASE w.seconds WHEN 60 THEN date_trunc('minute', p_expires_at) ELSE date_trunc('second', p_expires_at) END,
         fd_budget_shard(p_agent_id)
  FROM (VALUES ('GLOBAL'::"BudgetScope", ''), ('TEAM', p_team_id), ('AGENT', p_agent_id)) AS x(scope, target)
  CROSS JOIN (VALUES (60), (1)) AS w(seconds)
  WHERE x.target IS NOT NULL
$$;

-- Reservations already settled are out of the totals; the others go in.
UPDATE "BudgetReservation" SET "inTotals" = false WHERE "settledAt" IS NOT NULL;
INSERT INTO "BudgetReservedTotal" ("scope", "targetId", "seconds", "at", "shard", "reservedUsd", "reservations")
SELECT k."scope", k."targetId", k."seconds", k."at", k."shard", SUM(r."estimatedCostUsd"), count(*)::int
FROM "BudgetReservation" r CROSS JOIN LATERAL fd_budget_reserved_keys(r."teamId", r."agentId", r."expiresAt") k
WHERE r."inTotals"
GROUP BY 1, 2, 3, 4, 5;

CREATE FUNCTION fd_budget_reserved_totals_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO "BudgetReservedTotal" AS t ("scope", "targetId", "seconds", "at", "shard", "reservedUsd", "reservations")
    SELECT k."scope", k."targetId", k."seconds", k."at", k."shard", SUM(r."estimatedCostUsd"), count(*)::int
    FROM new_rows r CROSS JOIN LATERAL fd_budget_reserved_keys(r."teamId", r."agentId", r."expiresAt") k
    WHERE r."inTotals"
    GROUP BY 1, 2, 3, 4, 5
    ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT ("scope", "targetId", "seconds", "at", "shard") DO UPDATE
      SET "reservedUsd" = t."reservedUsd" + EXCLUDED."reservedUsd", "reservations" = t."reservations" + EXCLUDED."reservations";
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO "BudgetReservedTotal" AS t ("scope", "targetId", "seconds", "at", "shard", "reservedUsd", "reservations")
    SELECT k."scope", k."targetId", k."seconds", k."at", k."shard", -SUM(r."estimatedCostUsd"), -count(*)::int
    FROM old_rows r CROSS JOIN LATERAL fd_budget_reserved_keys(r."teamId", r."agentId", r."expiresAt") k
    WHERE r."inTotals"
    GROUP BY 1, 2, 3, 4, 5
    ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT ("scope", "targetId", "seconds", "at", "shard") DO UPDATE
      SET "reservedUsd" = t."reservedUsd" + EXCLUDED."reservedUsd", "reservations" = t."reservations" + EXCLUDED."reservations";
  ELSE
    -- An UPDATE: the old rows out, the new ones in. Most updates (settlement by ingestion) change nothing
    -- counted, and then nothing is written: no lock is taken on a shared row.
    INSERT INTO "BudgetReservedTotal" AS t ("scope", "targetId", "seconds", "at", "shard", "reservedUsd", "reservations")
    SELECT k."scope", k."targetId", k."seconds", k."at", k."shard", SUM(d.usd), SUM(d.n)::int
    FROM (
      SELECT r."teamId", r."agentId", r."expiresAt", -r."estimatedCostUsd" AS usd, -1 AS n FROM old_rows r WHERE r."inTotals"
      UNION ALL
      SELECT r."teamId", r."agentId", r."expiresAt", r."estimatedCostUsd", 1 FROM new_rows r WHERE r."inTotals"
    ) d
    CROSS JOIN LATERAL fd_budget_reserved_keys(d."teamId", d."agentId", d."expiresAt") k
    GROUP BY 1, 2, 3, 4, 5
    HAVING SUM(d.usd) <> 0 OR SUM(d.n) <> 0
    ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT ("scope", "targetId", "seconds", "at", "shard") DO UPDATE
      SET "reservedUsd" = t."reservedUsd" + EXCLUDED."reservedUsd", "reservations" = t."reservations" + EXCLUDED."reservations";
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION fd_budget_reserved_totals_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "BudgetReservedTotal";
  RETURN NULL;
END $$;

CREATE TRIGGER fd_budget_reserved_totals_insert AFTER INSERT ON "BudgetReservation"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION fd_budget_reserved_totals_apply();
CREATE TRIGGER fd_budget_reserved_totals_update AFTER UPDATE ON "BudgetReservation"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION fd_budget_reserved_totals_apply();
CREATE TRIGGER fd_budget_reserved_totals_delete AFTER DELETE ON "BudgetReservation"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION fd_budget_reserved_totals_apply();
CREATE TRIGGER fd_budget_reserved_totals_truncate AFTER TRUNCATE ON "BudgetReservation"
  FOR EACH STATEMENT EXECUTE FUNCTION fd_budget_reserved_totals_truncate();

-- The open reservations are no longer read one by one (the totals replaced them): their indexes would
-- only slow every reservation and settlement down.
DROP INDEX "fd_budget_reservation_open";
DROP INDEX "fd_budget_reservation_open_team";
DROP INDEX "fd_budget_reservation_open_all";

-- Settled reservations still in the totals (the readers subtract them until they are folded out): a few rows.
CREATE INDEX "fd_budget_reservation_settled_in_totals" ON "BudgetReservation"("expiresAt") INCLUDE ("agentId", "teamId", "estimatedCostUsd")
  WHERE "settledAt" IS NOT NULL AND "inTotals";

-- One reservation per API key and Idempotency-Key (in-process callers without a key share '').
CREATE UNIQUE INDEX "fd_budget_reservation_idempotency" ON "BudgetReservation"((COALESCE("apiKeyId", '')), "idempotencyKey")
  WHERE "idempotencyKey" IS NOT NULL;
ALTER TABLE "BudgetReservation" ADD CONSTRAINT "fd_budget_reservation_idempotency_key"
  CHECK ("idempotencyKey" IS NULL OR length("idempotencyKey") BETWEEN 1 AND 200);
ALTER TABLE "BudgetReservedTotal" ADD CONSTRAINT "fd_budget_reserved_total_width" CHECK ("seconds" IN (1, 60));
ALTER TABLE "BudgetReservedTotal" ADD CONSTRAINT "fd_budget_reserved_total_shard" CHECK ("shard" >= 0 AND "shard" < fd_budget_shards());

-- Folding and purging write many reservations and totals at once: one at a time (this advisory lock).
-- Neither waits for the disk at commit (they hold rows reservations write): both redo from what is
-- stored, so one lost in a crash is simply done again by the next.
CREATE FUNCTION fd_fold_settled_reservations() RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  v_folded int;
BEGIN
  PERFORM set_config('synchronous_commit', 'off', true);
  PERFORM pg_advisory_xact_lock(hashtext('fd_budget_reserved_totals'));
  UPDATE "BudgetReservation" r SET "inTotals" = false WHERE r."settledAt" IS NOT NULL AND r."inTotals";
  GET DIAGNOSTICS v_folded = ROW_COUNT;
  RETURN v_folded;
END $$;

-- Reservations that expired before p_before, the per-minute totals before it (all theirs), and the
-- per-second totals of seconds two minutes before p_now (never read again: they only serve the minute
-- under way). Returns the reservations deleted.
CREATE FUNCTION fd_purge_budget_reservations(p_before timestamp, p_now timestamp) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  v_purged int;
BEGIN
  PERFORM set_config('synchronous_commit', 'off', true);
  PERFORM pg_advisory_xact_lock(hashtext('fd_budget_reserved_totals'));
  DELETE FROM "BudgetReservation" r WHERE r."expiresAt" < p_before;
  GET DIAGNOSTICS v_purged = ROW_COUNT;
  DELETE FROM "BudgetReservedTotal" t
  WHERE (t."seconds" = 60 AND t."at" < date_trunc('minute', p_before)) OR (t."seconds" = 1 AND t."at" < p_now - interval '2 minutes');
  RETURN v_purged;
END $$;

-- The given budgets with their use at p_now: the one definition the check, the reservation, the budget
-- list and the alerts job read, so every surface agrees on "remaining". Plain SQL, inlined into the
-- calling statement (one plan, no function call per budget; budgets, teams and agents by primary key):
-- - spent: the month's priced calls from the monthly rollup, and the calls without a price, by the
--   index of the budget's scope (the other scopes' joins do not run: their condition is false);
-- - reserved: the per-minute totals of the minutes after p_now's, the per-second totals of p_now's
--   minute still to come, less the settled reservations in those not folded out yet. A budget's target
--   is its team or agent, '' for the organisation (fd_budget_target: a budget names exactly its scope's).
CREATE TYPE fd_budget_usage_row AS (
  "id" text, "name" text, "scope" text, "teamId" text, "agentId" text, "teamName" text, "agentName" text,
  "monthlyLimitUsd" numeric, "hardCap" boolean, "alertThresholds" int[], "spentUsd" numeric, "unpricedCalls" int, "reservedUsd" numeric
);

CREATE FUNCTION fd_budget_usage(p_month date, p_now timestamp, p_ids text[]) RETURNS SETOF fd_budget_usage_row LANGUAGE sql STABLE AS $$
  SELECT b."id", b."name", b."scope"::text, b."teamId", b."agentId",
    (SELECT t."name" FROM "Team" t WHERE t."id" = b."teamId"), (SELECT a."name" FROM "Agent" a WHERE a."id" = b."agentId"),
    b."monthlyLimitUsd", b."hardCap", b."alertThresholds",
    COALESCE(sa.cost, st.cost, sg.cost, 0), COALESCE(sa.unpriced, st.unpriced, sg.unpriced, 0)::int,
    (SELECT COALESCE(SUM(x."reservedUsd"), 0) FROM "BudgetReservedTotal" x
     WHERE x."scope" = b."scope" AND x."targetId" = COALESCE(b."teamId", b."agentId", '') AND x."seconds" = 60
       AND x."at" > date_trunc('minute', p_now))
    + (SELECT COALESCE(SUM(x."reservedUsd"), 0) FROM "BudgetReservedTotal" x
       WHERE x."scope" = b."scope" AND x."targetId" = COALESCE(b."teamId", b."agentId", '') AND x."seconds" = 1
         AND x."at" > p_now AND x."at" < date_trunc('minute', p_now) + interval '1 minute')
    - (SELECT COALESCE(SUM(r."estimatedCostUsd"), 0) FROM "BudgetReservation" r
       WHERE r."settledAt" IS NOT NULL AND r."inTotals"
         AND (b."scope" = 'GLOBAL' OR (b."scope" = 'TEAM' AND r."teamId" = b."teamId") OR (b."scope" = 'AGENT' AND r."agentId" = b."agentId"))
         AND (r."expiresAt" >= date_trunc('minute', p_now) + interval '1 minute' OR date_trunc('second', r."expiresAt") > p_now))
  FROM unnest(p_ids) AS i("id")
  JOIN "Budget" b ON b."id" = i."id"
  LEFT JOIN LATERAL (SELECT SUM(m."costUsd") AS cost, SUM(m."unpricedCalls") AS unpriced FROM "SpendMonthly" m
                     WHERE b."scope" = 'AGENT' AND m."month" = p_month AND m."agentId" = b."agentId") sa ON true
  LEFT JOIN LATERAL (SELECT SUM(m."costUsd") AS cost, SUM(m."unpricedCalls") AS unpriced FROM "SpendMonthly" m
                     WHERE b."scope" = 'TEAM' AND m."month" = p_month AND m."teamId" = b."teamId") st ON true
  LEFT JOIN LATERAL (SELECT SUM(m."costUsd") AS cost, SUM(m."unpricedCalls") AS unpriced FROM "SpendMonthly" m
                     WHERE b."scope" = 'GLOBAL' AND m."month" = p_month) sg ON true
$$;

-- The ids of the budgets that apply to an agent (the organisation's, its team's, its own), in id order:
-- three probes of fd_budget_one_per_target, however many budgets there are.
CREATE FUNCTION fd_budget_ids_of_agent(p_agent_id text, p_team_id text) RETURNS text[] LANGUAGE sql STABLE AS $$
  SELECT ARRAY(
    SELECT b."id" FROM "Budget" b
    WHERE (b."scope", COALESCE(b."teamId", ''), COALESCE(b."agentId", '')) IN (('GLOBAL', '', ''), ('TEAM', p_team_id, ''), ('AGENT', '', p_agent_id))
    ORDER BY b."id")
$$;

-- Those budgets with their use, tightest first.
CREATE FUNCTION fd_budgets_of_agent(p_agent_id text, p_team_id text, p_month date, p_now timestamp)
RETURNS SETOF fd_budget_usage_row LANGUAGE sql STABLE AS $$
  SELECT u.* FROM fd_budget_usage(p_month, p_now, fd_budget_ids_of_agent(p_agent_id, p_team_id)) u
  ORDER BY CASE u."scope" WHEN 'AGENT' THEN 0 WHEN 'TEAM' THEN 1 ELSE 2 END, u."id"
$$;

-- GET /api/v1/budgets/check in one statement: the agent by name (SQLSTATE FD404 when unknown), then its budgets.
-- Generic plans always (here and in fd_reserve_budget): PostgreSQL would otherwise keep planning the inlined
-- use query afresh on every call, which costs more than running it.
CREATE FUNCTION fd_check_budget(p_agent text, p_now timestamp) RETURNS SETOF fd_budget_usage_row LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan AS $$
DECLARE
  v_agent_id text;
  v_team_id text;
BEGIN
  SELECT a."id", a."teamId" INTO v_agent_id, v_team_id FROM "Agent" a WHERE a."name" = p_agent;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unknown agent' USING ERRCODE = 'FD404';
  END IF;
  RETURN QUERY SELECT * FROM fd_budgets_of_agent(v_agent_id, v_team_id, date_trunc('month', p_now)::date, p_now);
END $$;

CREATE TYPE fd_budget_reservation_row AS (
  "outcome" text, "reservationId" text, "expiresAt" timestamptz,
  "id" text, "name" text, "scope" text, "teamId" text, "agentId" text, "teamName" text, "agentName" text,
  "monthlyLimitUsd" numeric, "hardCap" boolean, "alertThresholds" int[], "spentUsd" numeric, "unpricedCalls" int, "reservedUsd" numeric
);

-- Whether a hard cap can grant this estimate holding one shard only (the fast path). The other shards
-- may be granting at this very moment, unseen: at most one reservation each (a shard is locked by one
-- at a time), each of at most a thousandth of the limit (larger estimates always take the exact path).
-- So the fast path needs room for this estimate plus (shards - 1) such unseen ones; near the cap, the
-- exact path locks every shard. An agent's reservations all fall in its own shard: its cap needs no slack.
CREATE FUNCTION fd_budget_fast_room(p_scope text, p_limit numeric, p_remaining numeric, p_estimate numeric) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN p_scope = 'AGENT' THEN p_remaining >= p_estimate
              ELSE p_estimate <= p_limit / 1000 AND p_remaining - (fd_budget_shards() - 1) * (p_limit / 1000) >= p_estimate END
$$;

-- Every shard of a budget, for the transaction: what the exact path takes, and what a change to the budget
-- takes (lib/spend/budgets/applier.ts), so no reservation is granted against a limit half changed.
CREATE FUNCTION fd_lock_budget_shards(p_budget_id text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  FOR s IN 0 .. fd_budget_shards() - 1 LOOP
    PERFORM pg_advisory_xact_lock(hashtext(p_budget_id), s);
  END LOOP;
END $$;

-- POST /api/v1/budgets/reservations in one statement, so locks are held for the server's work and the
-- commit only. For each hard cap that applies, in id order (so two reservations never deadlock): the
-- agent's shard of it (an advisory lock), or all its shards when it is near its cap (the exact path: a
-- failed fast attempt is rolled back, releasing its locks, and the caps that need it are locked whole).
-- Each statement after the locks takes its snapshot after they were granted, so it sees every reservation
-- committed before by a holder of the same locks. Outcome: 'granted' (inserted), 'refused' (a hard cap
-- would be exceeded; the rows say which), 'repeated' (the same Idempotency-Key reserved the same before:
-- that one is returned) or 'key_reused' (that key reserved something else). Budgets without a hard cap
-- never refuse. The transaction commits without waiting for its WAL to reach the disk (synchronous_commit
-- off), so its locks are not held through the flush, where concurrent commits queue; the caller answers
-- only after fd_flush_wal() has made it durable (one flush for all the callers waiting at that moment).
-- A crash in between loses a reservation nobody was told about, and any decision that saw it was a
-- refusal or is itself later in the WAL, lost with it.
CREATE FUNCTION fd_reserve_budget(p_id text, p_agent text, p_estimate numeric, p_expires_at timestamp, p_trace_id text,
                                  p_api_key_id text, p_idempotency_key text, p_now timestamp)
RETURNS SETOF fd_budget_reservation_row LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
DECLARE
  v_agent_id text;
  v_team_id text;
  v_shard int;
  v_month date := date_trunc('month', p_now)::date;
  v_caps text[];
  v_exact text[] := '{}';
  v_need text[];
  v_rows fd_budget_usage_row[];
  v_outcome text;
  v_id text;
  v_expires timestamp;
  v_existing record;
BEGIN
  PERFORM set_config('synchronous_commit', 'off', true);
  SELECT a."id", a."teamId" INTO v_agent_id, v_team_id FROM "Agent" a WHERE a."name" = p_agent;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unknown agent' USING ERRCODE = 'FD404';
  END IF;
  v_shard := fd_budget_shard(v_agent_id);
  v_caps := ARRAY(SELECT b."id" FROM "Budget" b WHERE b."id" = ANY(fd_budget_ids_of_agent(v_agent_id, v_team_id)) AND b."hardCap" ORDER BY b."id");
  LOOP
    BEGIN
      PERFORM CASE WHEN c = ANY(v_exact) THEN fd_lock_budget_shards(c) ELSE pg_advisory_xact_lock(hashtext(c), v_shard) END
      FROM unnest(v_caps) AS c ORDER BY c;
      v_rows := ARRAY(SELECT u FROM fd_budgets_of_agent(v_agent_id, v_team_id, v_month, p_now) u);
      v_need := ARRAY(
        SELECT u."id" FROM unnest(v_rows) u
        WHERE u."hardCap" AND NOT u."id" = ANY(v_exact)
          AND NOT fd_budget_fast_room(u."scope", u."monthlyLimitUsd", u."monthlyLimitUsd" - u."spentUsd" - u."reservedUsd", p_estimate));
      IF cardinality(v_need) > 0 THEN
        RAISE EXCEPTION 'near the cap' USING ERRCODE = 'FD409';
      END IF;
      EXIT;
    EXCEPTION WHEN SQLSTATE 'FD409' THEN
      v_exact := v_exact || v_need;
    END;
  END LOOP;
  FOR attempt IN 1..2 LOOP
    IF p_idempotency_key IS NOT NULL THEN
      SELECT r."id", r."agentId", r."estimatedCostUsd", r."expiresAt" INTO v_existing FROM "BudgetReservation" r
      WHERE COALESCE(r."apiKeyId", '') = COALESCE(p_api_key_id, '') AND r."idempotencyKey" = p_idempotency_key;
      IF FOUND THEN
        v_outcome := CASE WHEN v_existing."agentId" = v_agent_id AND v_existing."estimatedCostUsd" = p_estimate THEN 'repeated' ELSE 'key_reused' END;
        v_id := v_existing."id";
        v_expires := v_existing."expiresAt";
        -- Read again: without a lock (no hard cap) the earlier one may have committed after the first read.
        v_rows := ARRAY(SELECT u FROM fd_budgets_of_agent(v_agent_id, v_team_id, v_month, p_now) u);
        EXIT;
      END IF;
    END IF;
    IF EXISTS (SELECT 1 FROM unnest(v_rows) u WHERE u."hardCap" AND u."monthlyLimitUsd" - u."spentUsd" - u."reservedUsd" < p_estimate) THEN
      v_outcome := 'refused';
      EXIT;
    END IF;
    INSERT INTO "BudgetReservation" ("id", "agentId", "teamId", "traceId", "estimatedCostUsd", "expiresAt", "apiKeyId", "idempotencyKey")
    VALUES (p_id, v_agent_id, v_team_id, p_trace_id, p_estimate, p_expires_at, p_api_key_id, p_idempotency_key)
    ON CONFLICT ((COALESCE("apiKeyId", '')), "idempotencyKey") WHERE "idempotencyKey" IS NOT NULL DO NOTHING;
    IF FOUND THEN
      v_outcome := 'granted';
      v_id := p_id;
      v_expires := p_expires_at;
      EXIT;
    END IF;
    -- The same key was reserved at the same time by a request that took no lock (no hard cap applies): read it back.
  END LOOP;
  IF v_outcome IS NULL THEN
    RAISE EXCEPTION 'reservation % could neither be inserted nor found', p_idempotency_key;
  END IF;
  RETURN QUERY SELECT v_outcome, v_id, v_expires AT TIME ZONE 'UTC', u.* FROM (SELECT 1) AS one LEFT JOIN unnest(v_rows) AS u ON true;
END $$;

-- Waits until everything committed so far is on disk (concurrent callers share a flush). PostgreSQL 17+:
-- a non-transactional WAL message flushed at once; before: a transactional one, whose synchronous commit
-- flushes the WAL up to it. Call it outside a transaction.
CREATE FUNCTION fd_flush_wal() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('server_version_num')::int >= 170000 THEN
    PERFORM pg_logical_emit_message(false, 'fd_flush', '', true);
  ELSE
    PERFORM set_config('synchronous_commit', 'on', true);
    PERFORM pg_logical_emit_message(true, 'fd_flush', '');
  END IF;
END $$;

-- ───────────── Hand-written: which prompt versions each run used (cost per outcome) ─────────────
-- From the steps stored so far, once; ingestion's spend hook adds each batch's (lib/spend/ingest-hook.ts).
INSERT INTO "RunPromptVersion" ("runId", "promptName", "promptVersion")
SELECT DISTINCT s."runId", s."promptName", COALESCE(s."promptVersion", 0)
FROM "Step" s
WHERE s."kind" = 'LLM_CALL' AND s."promptName" IS NOT NULL AND s."promptName" <> '';
ALTER TABLE "RunPromptVersion" ADD CONSTRAINT "fd_run_prompt_version_run" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE;
