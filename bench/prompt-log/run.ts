/**
 * Prompt log benchmark: `npm run bench:prompt-log -- [--steps 1000000] [--reps 30] [--ingest-batches 20]`.
 *
 * Starts its own embedded PostgreSQL (fresh database, own port and folder), migrates it, and
 * generates LLM calls with set-based SQL: 100 agents in 20 teams, 20,000 runs of 50 calls over
 * 90 days, 30 prompts (3 versions each) whose ~1.7 kB system text opens every input, a user turn
 * of 5-24 sentences and an answer of 2-8 sentences (inputs ~3.3 kB, outputs ~0.6 kB of JSON).
 * Sentences are drawn from 20,000 built of 60,000 words with Zipf-like frequencies (a few words in
 * nearly every call, most in few), plus per call a reference token shared by ~5 calls.
 *
 * Then the prompt_log_index job's own code (lib/prompts/log/indexer.ts) indexes them, ticks back to
 * back as after an upgrade (time reported; the schedule spends at most 5 s of every 10 on it), then
 * 20,000 fresh calls, and ticks with nothing new show what the late-commit overlap costs. Then it times
 * `searchPromptLog` (lib/prompts/log/search.ts, what the page calls: the search and the page's rows
 * with excerpts) for each kind of query, `--reps` times after 3 warm-up runs, against the same page
 * without a text search as the baseline; and what the prompt log costs ingestion: the ingestion
 * path's own step insert (lib/telemetry/store-sql.ts), 1,000-call batches, with no prompt log index
 * on Step (main before it), with this branch's one btree, and with the synchronous GIN index the
 * work-in-progress had. Prints a table and writes bench/prompt-log/results.json.
 *
 * Environment: BENCH_PG_PORT (54460), BENCH_PG_DIR (.data/bench-pg-log).
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpus, loadavg, totalmem } from "node:os";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { ensureDatabase, startEmbeddedPostgres } from "../../scripts/lib/embedded-postgres";
import { migrateDeploy } from "../../scripts/lib/prisma-cli";

const root = process.cwd();
const log = (line: string) => console.log(`[bench] ${line}`);

// lib/prompts/log/search.ts is `server-only`: load it the way Next does, under the react-server condition.
if (process.env.PROMPT_LOG_BENCH_CHILD !== "1") {
  const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", path.join(root, "bench/prompt-log/run.ts"), ...process.argv.slice(2)], {
    cwd: root,
    env: { ...process.env, PROMPT_LOG_BENCH_CHILD: "1" },
    stdio: "inherit",
  });
  child.on("exit", (code) => process.exit(code ?? 1));
} else {
  main().catch((error: unknown) => {
    console.error("[bench] failed:", error);
    process.exit(1);
  });
}

function options() {
  const { values } = parseArgs({
    options: {
      steps: { type: "string", default: "1000000" },
      reps: { type: "string", default: "30" },
      "ingest-batches": { type: "string", default: "20" },
    },
  });
  return { steps: Number(values.steps), reps: Number(values.reps), ingestBatches: Number(values["ingest-batches"]) };
}

const CALLS_PER_RUN = 50;
/** Calls "stored in the last minutes" for the steady-state tick. */
const FRESH_CALLS = 20_000;
const AGENTS = 100;
const TEAMS = 20;
const PROMPTS = 30;
const DAYS = 90;

const COMMON_WORDS =
  "the to and a of you your is for in we this that it please order refund customer can be with on will have are not as our account if at by from or an payment invoice policy thank support ticket request issue shipping delivery address card help need would could should any has was about more may all new also team time information email number days details date amount product service return check status update back just know here there their they them when what which who how where why get make see like use one two first last only other some such into than then these those over after before because been being both each few most same so very";

async function generate(client: pg.Client, steps: number) {
  const runs = Math.ceil(steps / CALLS_PER_RUN);
  const spacingSeconds = (DAYS * 86_400) / runs;
  let t = performance.now();
  await client.query(`CREATE UNLOGGED TABLE bench_word AS
    WITH common AS (SELECT w, ord::int AS n FROM unnest(string_to_array($1, ' ')) WITH ORDINALITY AS t(w, ord)),
         syl AS (SELECT array['ka','lo','mi','ne','ru','ta','vo','shi','den','mar','pol','zen','tri','qua','bel','dor','fen','gar','hul','jin',
                              'kor','lum','nar','pex','ros','sul','tov','wyn','xar','yel'] AS s)
    SELECT n, w FROM common
    UNION ALL
    SELECT (SELECT count(*) FROM common) + 1 + g, s[1 + g % 30] || s[1 + (g / 30) % 30] || s[1 + (g / 900) % 30] || CASE WHEN g >= 27000 THEN s[1 + (g / 27000) % 30] ELSE '' END
    FROM generate_series(0, 59879) g, syl`, [COMMON_WORDS]);
  await client.query(`CREATE UNIQUE INDEX ON bench_word (n)`);
  // Word ranks 1 + floor(exp(u ln 60000)), u uniform (by hash): P(rank) ~ 1/rank.
  await client.query(`CREATE UNLOGGED TABLE bench_sentence AS
    SELECT i, upper(left(string_agg(w.w, ' ' ORDER BY j), 1)) || substr(string_agg(w.w, ' ' ORDER BY j), 2) || '.' AS text
    FROM generate_series(1, 20000) i
    CROSS JOIN LATERAL generate_series(1, 8 + i % 13) j
    JOIN bench_word w ON w.n = 1 + floor(exp(((abs(hashint8(i::bigint * 100 + j)) % 1000000) / 1000000.0) * ln(60000)))::int
    GROUP BY i`);
  await client.query(`CREATE UNIQUE INDEX ON bench_sentence (i)`);
  await client.query(`CREATE UNLOGGED TABLE bench_prompt AS
    SELECT p, 'prompt-' || p AS name,
      'You are a support agent. Follow the refund policy strictly. ' ||
      (SELECT string_agg(text, ' ' ORDER BY i) FROM bench_sentence WHERE i BETWEEN p * 500 AND p * 500 + 14 + p % 5) AS system
    FROM generate_series(1, ${PROMPTS}) p`);
  await client.query(`INSERT INTO "Team" (id, name) SELECT 'team' || g, 'team-' || g FROM generate_series(1, ${TEAMS}) g`);
  await client.query(`INSERT INTO "Agent" (id, name, "teamId", "updatedAt") SELECT 'agent' || g, 'agent-' || g, 'team' || (1 + g % ${TEAMS}), now() FROM generate_series(1, ${AGENTS}) g`);
  await client.query(
    `INSERT INTO "Run" (id, "traceId", name, "agentId", "teamId", status, "startedAt", "lastStepAt", "endedAt", "stepCount", "updatedAt")
     SELECT 'run' || r, md5('run' || r), 'run ' || r, 'agent' || (1 + r % ${AGENTS}), 'team' || (1 + (1 + r % ${AGENTS}) % ${TEAMS}), 'SUCCEEDED',
       now() - make_interval(secs => r * $1::float8), now() - make_interval(secs => r * $1::float8) + interval '250 s',
       now() - make_interval(secs => r * $1::float8) + interval '250 s', ${CALLS_PER_RUN}, now()
     FROM generate_series(1, $2::int) r`,
    [spacingSeconds, runs],
  );
  log(`  vocabulary, sentences, prompts, ${runs.toLocaleString("en-US")} runs in ${Math.round(performance.now() - t)} ms`);
  t = performance.now();
  const chunk = 100_000;
  for (let lo = 1; lo <= steps; lo += chunk) {
    const hi = Math.min(steps, lo + chunk - 1);
    await client.query(
      `INSERT INTO "Step" (id, "runId", "traceId", "spanId", kind, name, status, "startedAt", "endedAt", model, provider,
         "inputTokens", "outputTokens", "costUsd", "promptName", "promptVersion", "inputMessages", "outputMessages")
       SELECT 'c' || lpad(to_hex(g), 24, '0'), 'run' || k.r, md5('run' || k.r), lpad(to_hex(g), 16, '0'), 'LLM_CALL', 'chat', 'OK',
         ru."startedAt" + make_interval(secs => k.i * 5), ru."startedAt" + make_interval(secs => k.i * 5 + 3),
         (array['gpt-4o', 'gpt-4o-mini', 'claude-sonnet-4', 'claude-haiku-4'])[1 + g % 4], 'openai',
         800 + g % 2000, 100 + g % 600, ((800 + g % 2000) * 0.0000025 + (100 + g % 600) * 0.00001)::numeric(20, 9),
         p.name, 1 + (k.r / 7) % 3,
         jsonb_build_array(
           jsonb_build_object('role', 'system', 'content', p.system),
           jsonb_build_object('role', 'user', 'content',
             (SELECT string_agg(s.text, ' ') FROM generate_series(1, 5 + abs(hashint8(g)) % 20) j
                JOIN bench_sentence s ON s.i = 1 + abs(hashint8(g * 64 + j)) % 20000)
             || ' Reference qx' || to_hex(abs(hashint8(-g)) % 200000) || ', case ' || to_hex(g * 7919 % 1000003) || '.')),
         jsonb_build_array(jsonb_build_object('role', 'assistant', 'content',
             (SELECT string_agg(s.text, ' ') FROM generate_series(1, 2 + abs(hashint8(g + 7)) % 7) j
                JOIN bench_sentence s ON s.i = 1 + abs(hashint8(g * 64 + 40 + j)) % 20000), 'finish_reason', 'stop'))
       FROM generate_series($1::bigint, $2::bigint) g
       CROSS JOIN LATERAL (SELECT 1 + (g - 1) / ${CALLS_PER_RUN} AS r, (g - 1) % ${CALLS_PER_RUN} AS i) k
       JOIN "Run" ru ON ru.id = 'run' || k.r
       JOIN bench_prompt p ON p.p = 1 + k.r % ${PROMPTS}`,
      [lo, hi],
    );
    log(`  ${hi.toLocaleString("en-US")} calls after ${Math.round((performance.now() - t) / 1000)} s`);
  }
  const loadMs = performance.now() - t;
  const { rows } = await client.query(
    `SELECT avg(octet_length("inputMessages"::text))::int AS input, avg(octet_length("outputMessages"::text))::int AS output FROM "Step" TABLESAMPLE SYSTEM (1)`,
  );
  return { runs, loadSeconds: Math.round(loadMs / 1000), avgInputBytes: rows[0].input as number, avgOutputBytes: rows[0].output as number };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
const round = (ms: number) => Math.round(ms * 10) / 10;

interface Kind {
  name: string;
  filter: Record<string, unknown>;
}

async function main() {
  const { steps, reps, ingestBatches } = options();
  const port = Number(process.env.BENCH_PG_PORT ?? 54460);
  const dir = process.env.BENCH_PG_DIR ?? ".data/bench-pg-log";
  log(`PostgreSQL on ${port} (${dir})`);
  const pgServer = await startEmbeddedPostgres({ dataDir: dir, port });
  const database = "flightdeck_bench_prompt_log";
  await ensureDatabase(pgServer.url("postgres"), database, { fresh: true });
  const url = pgServer.url(database);
  await migrateDeploy(url, true);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    log(`generating ${steps.toLocaleString("en-US")} LLM calls…`);
    const data = await generate(client, steps);
    // As autovacuum leaves a table that stopped growing (an upgraded database's calls).
    await client.query(`VACUUM ANALYZE "Step"`);
    await client.query(`VACUUM ANALYZE "Run"`);

    process.env.DATABASE_URL = url;
    const { searchPromptLog } = await import("../../lib/prompts/log/search");
    const { catchUpPromptLog, indexPromptLog, INDEX_BATCH, INDEX_INTERVAL_MS, TICK_BUDGET_MS } = await import("../../lib/prompts/log/indexer");
    const { disconnectDb } = await import("../../lib/db");

    log("indexing them with the prompt_log_index job's code, ticks back to back…");
    let t = performance.now();
    const backfill = await catchUpPromptLog();
    const indexSeconds = (performance.now() - t) / 1000;
    log(`  ${backfill.indexed.toLocaleString("en-US")} calls in ${Math.round(indexSeconds)} s (${Math.round(backfill.indexed / indexSeconds)} calls/s)`);
    // Steady state: calls stored in the last minutes (copies of the newest, fresh ids), indexed by one
    // tick, while a transaction opened before them stays open (a slow ingestion request): the next
    // tick with nothing new re-reads every call stored since it began (the late-commit overlap, at
    // most LATE_COMMIT_MS of calls); once it has ended, a tick re-reads next to nothing.
    const open = new pg.Client({ connectionString: url });
    await open.connect();
    await open.query("BEGIN");
    await open.query("SELECT 1");
    await client.query(
      `INSERT INTO "Step" (id, "runId", "traceId", "spanId", kind, name, status, "startedAt", "endedAt", model, provider, "inputTokens",
         "outputTokens", "costUsd", "promptName", "promptVersion", "inputMessages", "outputMessages")
       SELECT 'fresh' || lpad(n::text, 20, '0'), "runId", "traceId", 'fresh' || lpad(n::text, 11, '0'), kind, name, status, now() AT TIME ZONE 'UTC',
         "endedAt", model, provider, "inputTokens", "outputTokens", "costUsd", "promptName", "promptVersion", "inputMessages", "outputMessages"
       FROM (SELECT s.*, row_number() OVER () AS n FROM (SELECT * FROM "Step" ORDER BY "startedAt" DESC LIMIT $1) s) f`,
      [FRESH_CALLS],
    );
    t = performance.now();
    const fresh = await indexPromptLog({ budgetMs: 600_000 });
    const freshSeconds = (performance.now() - t) / 1000;
    t = performance.now();
    const overlap = await indexPromptLog();
    const overlapTickMs = Math.round(performance.now() - t);
    await open.query("COMMIT");
    await open.end();
    await indexPromptLog();
    t = performance.now();
    const idle = await indexPromptLog();
    const idleTickMs = Math.round(performance.now() - t);
    log(`  ${fresh.indexed.toLocaleString("en-US")} fresh calls in ${freshSeconds.toFixed(1)} s; a tick with nothing new ${overlapTickMs} ms while a transaction older than them is open (${overlap.alreadyIndexed.toLocaleString("en-US")} calls re-read), ${idleTickMs} ms after it ended (${idle.alreadyIndexed.toLocaleString("en-US")} re-read)`);
    await client.query(`VACUUM ANALYZE "PromptLogDoc"`);
    const indexing = {
      calls: backfill.indexed,
      seconds: Math.round(indexSeconds),
      callsPerSecond: Math.round(backfill.indexed / indexSeconds),
      batch: INDEX_BATCH,
      // On its schedule the job works TICK_BUDGET_MS of every INDEX_INTERVAL_MS.
      scheduledSeconds: Math.round((indexSeconds * INDEX_INTERVAL_MS) / TICK_BUDGET_MS),
      freshCalls: fresh.indexed,
      freshCallsPerSecond: Math.round(fresh.indexed / freshSeconds),
      overlapTickMs,
      overlapTickRereadCalls: overlap.alreadyIndexed,
      idleTickMs,
      idleTickRereadCalls: idle.alreadyIndexed,
    };

    const { rows: sizes } = await client.query<{ relname: string; bytes: string }>(
      `SELECT c.relname, pg_relation_size(c.oid) AS bytes FROM pg_class c
       WHERE c.relname IN ('Step', 'PromptLogDoc', 'PromptLogDoc_doc_idx', 'PromptLogDoc_startedAt_stepId_idx', 'fd_step_prompt_log_created')`,
    );
    const { rows: totals } = await client.query<{ step: string; doc: string }>(
      `SELECT pg_total_relation_size('"Step"') AS step, pg_total_relation_size('"PromptLogDoc"') AS doc`,
    );
    const mb = (name: string) => Math.round(Number(sizes.find((s) => s.relname === name)?.bytes ?? 0) / 1e6);

    const terms = await chooseTerms(client, steps);
    log(`terms: ${JSON.stringify(terms)}`);

    const now = Date.now();
    const day = 86_400_000;
    const kinds: Kind[] = [
      { name: "baseline: newest page, no search", filter: {} },
      { name: "baseline: agent, no search", filter: { agent: "agent-7" } },
      { name: "rare word (~5 calls)", filter: { q: terms.rare } },
      { name: "unique token (1 call)", filter: { q: terms.unique } },
      { name: "word in ~0.5% of calls", filter: { q: terms.half } },
      { name: "word in ~3% of calls", filter: { q: terms.mid } },
      { name: "word in ~15% of calls", filter: { q: terms.broad } },
      { name: "common word (every call)", filter: { q: "refund" } },
      { name: "two words, both common", filter: { q: "customer refund" } },
      { name: "phrase, common (\"refund policy\")", filter: { q: '"refund policy"' } },
      { name: "phrase, mid-frequency words", filter: { q: `"${terms.phrase}"` } },
      { name: "word or word", filter: { q: `${terms.rare} or ${terms.mid}` } },
      { name: "rare word + agent", filter: { q: terms.rare, agent: "agent-7" } },
      { name: "~3% word + agent", filter: { q: terms.mid, agent: "agent-7" } },
      { name: "common word + agent", filter: { q: "refund", agent: "agent-7" } },
      { name: "~3% word + team", filter: { q: terms.mid, team: "team-3" } },
      { name: "~3% word + prompt + version", filter: { q: terms.mid, prompt: "prompt-5", version: 2 } },
      { name: "common word, last 24 h", filter: { q: "refund", from: new Date(now - day) } },
      { name: "~3% word, a week a month ago", filter: { q: terms.mid, from: new Date(now - 37 * day), to: new Date(now - 30 * day) } },
      { name: "phrase + agent + 30 days", filter: { q: `"${terms.phrase}"`, agent: "agent-7", from: new Date(now - 30 * day) } },
      { name: "rare word + model + 30 days", filter: { q: terms.rare, model: "gpt-4o", from: new Date(now - 30 * day) } },
      { name: "adversarial: phrase of two common words rarely adjacent", filter: { q: '"policy refund"' } },
      { name: "adversarial: -word alone", filter: { q: "-refund" } },
    ];

    log(`measuring ${kinds.length} kinds, ${reps} runs each after 3 warm-up runs…`);
    const results = [];
    for (const kind of kinds) {
      const samples: number[] = [];
      let last: Awaited<ReturnType<typeof searchPromptLog>> | null = null;
      for (let i = 0; i < reps + 3; i++) {
        const start = performance.now();
        last = await searchPromptLog({ limit: 50, ...kind.filter });
        if (i >= 3) samples.push(performance.now() - start);
      }
      const matches = kind.filter.q ? await countMatches(client, String(kind.filter.q)) : null;
      const sorted = [...samples].sort((a, b) => a - b);
      results.push({
        name: kind.name,
        q: (kind.filter.q as string | undefined) ?? null,
        matches,
        rows: last!.rows.length,
        partial: last!.partial,
        timedOut: last!.timedOut,
        n: sorted.length,
        p50: round(percentile(sorted, 50)),
        p95: round(percentile(sorted, 95)),
        p99: round(percentile(sorted, 99)),
        max: round(sorted[sorted.length - 1]!),
      });
      const r = results[results.length - 1]!;
      log(`  ${kind.name}: p50 ${r.p50} ms, p95 ${r.p95} ms, p99 ${r.p99} ms (${r.rows} rows${r.partial ? ", partial" : ""})`);
    }
    await disconnectDb();
    const baseline = results[0]!.p95;
    const table = results.map((r) => ({ ...r, p95xBaseline: round(r.p95 / baseline) }));

    log(`ingestion: the step insert of lib/telemetry/store-sql.ts, ${ingestBatches} batches of 1,000 LLM calls…`);
    const ingestion = await measureIngestion(client, ingestBatches);

    const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? "unknown", memoryGb: Math.round(totalmem() / 1e9), loadAverage: loadavg().map((l) => Math.round(l * 10) / 10) };
    console.table(table.map(({ name, matches, rows, partial, p50, p95, p99, p95xBaseline }) => ({ name, matches, rows, partial, p50, p95, p99, p95xBaseline })));
    console.table(ingestion);
    const out = {
      at: new Date().toISOString(),
      machine,
      data: { llmCalls: steps, ...data, agents: AGENTS, teams: TEAMS, prompts: PROMPTS, days: DAYS, stepTableMb: Math.round(Number(totals[0]!.step) / 1e6) },
      indexing,
      sizeMb: {
        promptLogDocTotal: Math.round(Number(totals[0]!.doc) / 1e6),
        promptLogDocHeap: mb("PromptLogDoc"),
        PromptLogDoc_doc_idx: mb("PromptLogDoc_doc_idx"),
        PromptLogDoc_startedAt_stepId_idx: mb("PromptLogDoc_startedAt_stepId_idx"),
        fd_step_prompt_log_created: mb("fd_step_prompt_log_created"),
      },
      reps,
      queries: table,
      ingestion,
    };
    await writeFile(path.join(root, "bench/prompt-log/results.json"), JSON.stringify(out, null, 2) + "\n");
    log("wrote bench/prompt-log/results.json");
    console.log(markdown(out));
  } finally {
    await client.end();
    await pgServer.stop();
  }
}

/** Query terms with known frequencies in the generated data. */
async function chooseTerms(client: pg.Client, steps: number) {
  const one = async (sql: string, params: unknown[] = []) => (await client.query(sql, params)).rows[0];
  const rare = (await one(`SELECT substring("inputMessages"->1->>'content' from 'qx[0-9a-f]+') AS t FROM "Step" WHERE id = 'c' || lpad(to_hex($1::int), 24, '0')`, [Math.floor(steps / 8) + 7])).t as string;
  const unique = (await one(`SELECT substring("inputMessages"->1->>'content' from 'case ([0-9a-f]+)') AS t FROM "Step" WHERE id = 'c' || lpad(to_hex($1::int), 24, '0')`, [Math.floor((steps * 2) / 3) + 1])).t as string;
  // A word in about `share` of the calls: words by rank; a call holds ~17 of 20,000 sentences.
  const { rows: counts } = await client.query<{ w: string; sentences: number }>(
    `SELECT x AS w, count(DISTINCT s.i)::int AS sentences
     FROM bench_sentence s CROSS JOIN LATERAL regexp_split_to_table(lower(rtrim(s.text, '.')), ' ') x
     JOIN bench_word w ON w.w = x WHERE w.n > 124 GROUP BY x`,
  );
  const byShare = async (share: number) => {
    const target = (share * 20000) / 17;
    return [...counts].sort((a, b) => Math.abs(a.sentences - target) - Math.abs(b.sentences - target))[0]!.w;
  };
  const [half, mid, broad] = [await byShare(0.005), await byShare(0.03), await byShare(0.15)];
  // Two adjacent words of one sentence, each in a few percent of the calls.
  const phraseRow = await one(
    `SELECT a.w || ' ' || b.w AS phrase FROM bench_sentence s
     CROSS JOIN LATERAL (SELECT (regexp_split_to_array(lower(rtrim(s.text, '.')), ' '))[3] AS x, (regexp_split_to_array(lower(rtrim(s.text, '.')), ' '))[4] AS y) p
     JOIN bench_word a ON a.w = p.x JOIN bench_word b ON b.w = p.y
     WHERE a.n BETWEEN 300 AND 3000 AND b.n BETWEEN 300 AND 3000 ORDER BY s.i LIMIT 1`,
  );
  return { rare, unique, half, mid, broad, phrase: phraseRow.phrase as string };
}

/**
 * How many calls match: the documents' GIN index, with enough memory that no bitmap page is lossy
 * (a phrase is checked on each document holding its words). Not counted (null): `-word`, which GIN
 * answers only by reading every document, and anything over a minute.
 */
async function countMatches(client: pg.Client, q: string): Promise<number | null> {
  if (q.startsWith("-")) return null;
  await client.query("BEGIN");
  try {
    await client.query(`SET LOCAL work_mem = '256MB'`);
    await client.query(`SET LOCAL statement_timeout = '60s'`);
    const { rows } = await client.query(`SELECT count(*)::int AS n FROM "PromptLogDoc" d WHERE d.doc @@ websearch_to_tsquery('simple'::regconfig, $1)`, [q]);
    await client.query("COMMIT");
    return rows[0].n as number;
  } catch {
    await client.query("ROLLBACK");
    return null;
  }
}

/** The work-in-progress's synchronous index (migration 20261201100000, never shipped), for comparison. */
const WIP_GIN = `CREATE INDEX bench_wip_step_prompt_log_search ON "Step" USING gin (fd_prompt_log_vector("inputMessages", "outputMessages"))
  WHERE kind = 'LLM_CALL' AND "traceId" >= 'z'`;
const WIP_TIME = `CREATE INDEX bench_wip_step_prompt_log_time ON "Step" ("startedAt" DESC, id DESC) WHERE kind = 'LLM_CALL'`;

/**
 * The ingestion path's step insert (one jsonb payload of 1,000 steps, one statement, its own
 * transaction) on the loaded table: small messages (~400 B, as bench/ingest sends) and the
 * generated ones (~4 kB), with
 *   - none: no prompt log index on Step (main before the prompt log);
 *   - this branch: fd_step_prompt_log_created, the btree the job reads by (what ingestion pays now);
 *   - wip: the work-in-progress's GIN expression index and time btree. Building that GIN over the
 *     million calls takes minutes, so it covers only the measured batches (trace ids from `z`,
 *     which no generated, hexadecimal one has): each insert pays the same tokenising and GIN
 *     insert, into a smaller index.
 */
async function measureIngestion(client: pg.Client, batches: number) {
  const { STEP_INSERT } = await import("../../lib/telemetry/store-sql");
  const { newId } = await import("../../lib/ids");
  const { rows: sample } = await client.query(`SELECT "inputMessages" AS i, "outputMessages" AS o FROM "Step" ORDER BY id LIMIT 1000`);
  const small = {
    i: [
      { role: "system", parts: [{ type: "text", content: "You reconcile supplier invoices against purchase orders." }] },
      { role: "user", parts: [{ type: "text", content: "Invoice 4711-3: 3 lines, total 1,240.00 EUR, PO 4711." }] },
    ],
    o: [{ role: "assistant", parts: [{ type: "text", content: "Line 2 differs from the PO by 40.00 EUR; checking the ERP." }], finish_reason: "stop" }],
  };
  const batch = (messages: "small" | "generated") =>
    Array.from({ length: 1000 }, (_, k) => {
      const m = messages === "small" ? small : sample[k % sample.length];
      return {
        id: newId(), runId: "run1", traceId: `z${randomBytes(16).toString("hex").slice(1)}`, spanId: randomBytes(8).toString("hex"), parentSpanId: null,
        kind: "LLM_CALL", name: "chat gpt-4o", status: "OK", error: null, startedAt: new Date().toISOString(), endedAt: new Date().toISOString(),
        model: "gpt-4o", provider: "openai", inputTokens: 1200, outputTokens: 300, cachedInputTokens: 0, costUsd: 0.0066, unpriced: false,
        promptName: "prompt-1", promptVersion: 1, tool: null, arguments: null, result: null, decision: null,
        inputMessages: m.i, outputMessages: m.o, attributes: {}, redactions: 0, flagLoop: false,
      };
    });
  const measure = async (messages: "small" | "generated", indexes: "none" | "this branch" | "wip") => {
    const payloads = Array.from({ length: batches + 2 }, () => JSON.stringify(batch(messages)));
    const samples: number[] = [];
    for (let b = 0; b < payloads.length; b++) {
      const t = performance.now();
      await client.query(STEP_INSERT, [payloads[b], 1000]);
      if (b >= 2) samples.push(performance.now() - t);
    }
    const total = samples.reduce((a, b) => a + b, 0);
    const sorted = [...samples].sort((a, b) => a - b);
    return { messages, indexes, batches, callsPerSecond: Math.round((samples.length * 1000) / (total / 1000)), batchMsP50: round(percentile(sorted, 50)), batchMsP95: round(percentile(sorted, 95)) };
  };
  const out = [];
  out.push(await measure("small", "this branch"), await measure("generated", "this branch"));
  await client.query(`DROP INDEX "fd_step_prompt_log_created"`);
  out.push(await measure("small", "none"), await measure("generated", "none"));
  await client.query(WIP_GIN);
  await client.query(WIP_TIME);
  out.push(await measure("small", "wip"), await measure("generated", "wip"));
  // No clean-up: the database is recreated on every run.
  return out;
}

function markdown(out: {
  machine: { cpus: number; cpuModel: string; memoryGb: number; loadAverage: number[] };
  indexing: {
    calls: number;
    seconds: number;
    callsPerSecond: number;
    scheduledSeconds: number;
    freshCalls: number;
    freshCallsPerSecond: number;
    overlapTickMs: number;
    overlapTickRereadCalls: number;
    idleTickMs: number;
    idleTickRereadCalls: number;
  };
  queries: { name: string; matches: number | null; rows: number; partial: boolean; p50: number; p95: number; p99: number; p95xBaseline: number }[];
  ingestion: { messages: string; indexes: string; callsPerSecond: number; batchMsP50: number; batchMsP95: number }[];
}): string {
  const n = (x: number) => x.toLocaleString("en-US");
  const lines = [
    `Indexing: ${n(out.indexing.calls)} calls in ${n(out.indexing.seconds)} s back to back (${n(out.indexing.callsPerSecond)} calls/s; ~${n(out.indexing.scheduledSeconds)} s on the job's schedule); ` +
      `${n(out.indexing.freshCalls)} fresh calls at ${n(out.indexing.freshCallsPerSecond)} calls/s; a tick with nothing new ${n(out.indexing.overlapTickMs)} ms while an older transaction is open ` +
      `(${n(out.indexing.overlapTickRereadCalls)} calls re-read), ${n(out.indexing.idleTickMs)} ms once it ended (${n(out.indexing.idleTickRereadCalls)} re-read).`,
    "",
    `| query | matching calls | rows | p50 ms | p95 ms | p99 ms | p95 × baseline |`,
    `|---|---:|---:|---:|---:|---:|---:|`,
    ...out.queries.map(
      (q) =>
        `| ${q.name}${q.partial ? " (partial page)" : ""} | ${q.matches === null ? "—" : n(q.matches)} | ${q.rows} | ${q.p50} | ${q.p95} | ${q.p99} | ${q.p95xBaseline} |`,
    ),
    "",
    `| step insert, 1,000 LLM calls a batch | prompt log indexes on Step | calls/s | batch p50 ms | batch p95 ms |`,
    `|---|---|---:|---:|---:|`,
    ...out.ingestion.map((i) => `| ${i.messages} messages | ${i.indexes} | ${n(i.callsPerSecond)} | ${i.batchMsP50} | ${i.batchMsP95} |`),
    "",
    `Machine: ${out.machine.cpus} × ${out.machine.cpuModel}, ${out.machine.memoryGb} GB, load average ${out.machine.loadAverage.join(" / ")} at the end.`,
  ];
  return lines.join("\n");
}
