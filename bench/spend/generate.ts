/**
 * The spend benchmark's data, written with set-based SQL rather than through
 * ingestion (10 million calls through `POST /api/otel/v1/traces` at ~20,000
 * spans/s would take 8–10 minutes, and the ingestion path has a benchmark of
 * its own): `calls` LLM calls over the last `days` days in runs of 10, by 200
 * agents in 8 teams (4 agents without a team), and the SpendDaily and
 * SpendMonthly rows aggregated from the stored steps themselves, so the
 * rollup's answers and the steps' must agree to the nano-dollar.
 *
 * Shapes, skewed as real traffic is: agent k's share ∝ k^(1/2.2 − 1) (the
 * busiest agent makes ~9 % of the calls), team sizes 60 / 40 / 30 / 24 / 18 /
 * 14 / 8 / 2; each agent uses its primary model for 70 % of its calls, a
 * second one for 22 % and a third for 8 % (12 models, one of them unpriced);
 * one of 10 prompts per agent, whose version moves every 23 days (4 versions
 * each, 40 in all) with 10 % of the calls on the next version as a canary and
 * 5 % with no prompt; traffic grows linearly towards today (the last 30 days
 * hold 56 % of the calls); 1 % of the calls failed. Steps carry no message
 * bodies, which makes their table smaller than ingestion's and the raw-step
 * baseline faster than it would be in production.
 *
 * Loading: the calls are drawn once into an unlogged staging table; runs are
 * aggregated from it; Run and Step are written with their indexes and
 * constraints dropped and then rebuilt from their own definitions (checked
 * identical afterwards), as bulk loads are done; then VACUUM ANALYZE, as
 * autovacuum would leave a table of this age.
 */
import type pg from "pg";

export const TEAMS = ["payments", "support", "claims", "growth", "risk", "platform", "search", "legal"] as const;
/** Cumulative share of the 196 agents with a team (the last 4 agents have none). */
const TEAM_SHARES = [60, 100, 130, 154, 172, 186, 194, 196];
export const AGENTS = 200;
const TEAMLESS_FROM = 197;

/** USD per million tokens: input, output, cached input; null = no price (its calls are unpriced). */
export const MODELS: { name: string; provider: string; price: [number, number, number] | null }[] = [
  { name: "gpt-4o", provider: "openai", price: [2.5, 10, 1.25] },
  { name: "gpt-4o-mini", provider: "openai", price: [0.15, 0.6, 0.075] },
  { name: "gpt-4.1", provider: "openai", price: [2, 8, 0.5] },
  { name: "gpt-4.1-mini", provider: "openai", price: [0.4, 1.6, 0.1] },
  { name: "o3-mini", provider: "openai", price: [1.1, 4.4, 0.55] },
  { name: "claude-sonnet-4", provider: "anthropic", price: [3, 15, 0.3] },
  { name: "claude-3-5-haiku", provider: "anthropic", price: [0.8, 4, 0.08] },
  { name: "claude-opus-4", provider: "anthropic", price: [15, 75, 1.5] },
  { name: "gemini-2.5-pro", provider: "google", price: [1.25, 10, 0.31] },
  { name: "gemini-2.5-flash", provider: "google", price: [0.3, 2.5, 0.075] },
  { name: "mistral-large", provider: "mistral", price: [2, 6, 2] },
  { name: "llama-3.3-70b-local", provider: "self-hosted", price: null },
];

export const PROMPTS = [
  "support-triage",
  "refund-decision",
  "invoice-extract",
  "claim-review",
  "lead-qualify",
  "fraud-screen",
  "kb-answer",
  "contract-summary",
  "ticket-route",
  "code-review",
] as const;

export const agentName = (k: number) => `agent-${String(k).padStart(3, "0")}`;

export interface LoadStage {
  label: string;
  ms: number;
}

export interface GeneratedSpend {
  calls: number;
  runs: number;
  spendDailyRows: number;
  spendMonthlyRows: number;
  /** Agents by name with their team (null: none). */
  agents: { name: string; team: string | null }[];
  stages: LoadStage[];
  totalMs: number;
  /** Bytes on disk, tables with their indexes. */
  sizes: { step: number; run: number; spendDaily: number; spendMonthly: number; database: number };
}

const ID = (prefix: string, expr: string) => `'c' || substr(md5('${prefix}' || ${expr}), 1, 24)`;

/** SQL VALUES lists of the constants above (numbers only and our own names: nothing to escape). */
const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;
const modelValues = MODELS.map(
  (m, i) => `(${i + 1}, ${quote(m.name)}, ${quote(m.provider)}, ${m.price ? m.price.map((p) => `${p}::numeric`).join(", ") : "NULL::numeric, NULL::numeric, NULL::numeric"})`,
).join(", ");
const promptValues = PROMPTS.map((p, i) => `(${i + 1}, ${quote(p)})`).join(", ");

/** Every index and constraint on `tables` or referencing them, as PostgreSQL defines them. */
async function schemaObjects(client: pg.Client, tables: string[]) {
  const { rows: constraints } = await client.query<{ name: string; on: string; def: string; type: string }>(
    `SELECT c.conname AS name, c.conrelid::regclass::text AS on, pg_get_constraintdef(c.oid) AS def, c.contype::text AS type
     FROM pg_constraint c
     WHERE c.contype IN ('p', 'u', 'f', 'x')
       AND (c.conrelid = ANY($1::regclass[]) OR c.confrelid = ANY($1::regclass[]))
     ORDER BY c.contype = 'f', c.conname`,
    [tables.map((t) => `"${t}"`)],
  );
  const { rows: indexes } = await client.query<{ name: string; def: string }>(
    `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
     FROM pg_index i
     WHERE i.indrelid = ANY($1::regclass[])
       AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x'))
     ORDER BY 1`,
    [tables.map((t) => `"${t}"`)],
  );
  return { constraints, indexes };
}

/** `load` with every index and constraint of `tables` (and foreign keys to them) dropped, then all rebuilt as they were. */
async function withoutIndexes(client: pg.Client, tables: string[], load: () => Promise<void>, stage: (label: string, run: () => Promise<unknown>) => Promise<void>) {
  const before = await schemaObjects(client, tables);
  for (const c of [...before.constraints].reverse()) await client.query(`ALTER TABLE ${c.on} DROP CONSTRAINT "${c.name}"`);
  for (const i of before.indexes) await client.query(`DROP INDEX ${i.name}`);
  await load();
  await stage(`indexes and constraints of ${tables.join(", ")} rebuilt (${before.indexes.length + before.constraints.length})`, async () => {
    for (const c of before.constraints.filter((c) => c.type !== "f")) await client.query(`ALTER TABLE ${c.on} ADD CONSTRAINT "${c.name}" ${c.def}`);
    for (const i of before.indexes) await client.query(i.def);
    for (const c of before.constraints.filter((c) => c.type === "f")) await client.query(`ALTER TABLE ${c.on} ADD CONSTRAINT "${c.name}" ${c.def}`);
  });
  const after = await schemaObjects(client, tables);
  if (JSON.stringify(after) !== JSON.stringify(before)) {
    throw new Error(`the rebuilt indexes or constraints differ from the migrations':\n${JSON.stringify(before)}\n${JSON.stringify(after)}`);
  }
}

export async function generateSpend(
  client: pg.Client,
  { calls, days, now, log }: { calls: number; days: number; now: Date; log: (line: string) => void },
): Promise<GeneratedSpend> {
  const runs = Math.ceil(calls / 10);
  const stages: LoadStage[] = [];
  const started = performance.now();
  const stage = async (label: string, run: () => Promise<unknown>) => {
    const t = performance.now();
    await run();
    const ms = performance.now() - t;
    stages.push({ label, ms });
    log(`  ${label}: ${(ms / 1000).toFixed(1)} s`);
  };
  // A bulk load's session settings (this connection only); the server's stay as the app gets them.
  await client.query(`SET synchronous_commit = off; SET work_mem = '256MB'; SET maintenance_work_mem = '1GB'`);
  await client.query(`SELECT setseed(0.42)`);
  const nowSql = now.toISOString();

  await stage("teams and agents", async () => {
    await client.query(
      `INSERT INTO "Team" (id, name) SELECT ${ID("team", "n")}, t FROM unnest($1::text[]) WITH ORDINALITY AS x(t, n)`,
      [TEAMS],
    );
    await client.query(
      `INSERT INTO "Agent" (id, name, "teamId", "updatedAt")
       SELECT ${ID("agent", "k")}, 'agent-' || lpad(k::text, 3, '0'),
         CASE WHEN k < ${TEAMLESS_FROM} THEN ${ID("team", "(SELECT min(n) FROM unnest($1::int[]) WITH ORDINALITY AS s(upto, n) WHERE k <= upto)")} END, now()
       FROM generate_series(1, ${AGENTS}) k`,
      [TEAM_SHARES],
    );
  });

  // CREATE TABLE AS takes no bind parameters: the figures are inlined (integers and an ISO timestamp, all ours).
  const ts = `'${nowSql}'::timestamp`;
  // The calls, drawn once. u1 model, u2 prompt (and canary), u3/u5 tokens, u4 time within the run, u6 cache, u7 failure.
  await stage(`${calls.toLocaleString("en-US")} calls drawn (unlogged staging table)`, () =>
    client.query(
      `CREATE UNLOGGED TABLE bench_call AS
       WITH model(id, name, provider, pin, pout, pcache) AS (VALUES ${modelValues}),
       run AS (
         SELECT r, 1 + least(${AGENTS - 1}, floor(${AGENTS} * power(random(), 2.2)))::int AS agent,
           ${ts} - make_interval(secs => 120 + (${days} * 86400 - 240) * (1 - sqrt(random()))) AS start
         FROM generate_series(1, ${runs}) r
       ), call AS (
         SELECT run.r, i.i, run.agent, run.start + make_interval(secs => i.i * 3 + x.u4 * 2) AS started,
           CASE WHEN x.u1 < 0.70 THEN 1 + (run.agent * 7) % 11 WHEN x.u1 < 0.92 THEN 1 + (run.agent * 3 + 4) % 11 ELSE 1 + (run.agent * 5 + 2) % 12 END AS model,
           x.u2, floor(exp(5.3 + x.u3 * 2.7))::int AS input, floor(exp(3.9 + x.u5 * 2.6))::int AS output, x.u6, x.u7
         FROM run
         CROSS JOIN LATERAL generate_series(0, least(9, ${calls} - (run.r - 1) * 10 - 1)) AS i(i)
         CROSS JOIN LATERAL (SELECT random() + 0 * i.i AS u1, random() + 0 * i.i AS u2, random() + 0 * i.i AS u3, random() + 0 * i.i AS u4,
                                    random() + 0 * i.i AS u5, random() + 0 * i.i AS u6, random() + 0 * i.i AS u7) x
       ), shaped AS (
         SELECT c.r, c.i::int2 AS i, c.agent::int2 AS agent, c.started, c.model::int2 AS model,
           CASE WHEN c.u2 < 0.05 THEN 0 ELSE 1 + c.agent % 10 END::int2 AS prompt,
           CASE WHEN c.u2 < 0.05 THEN 0 ELSE least(4, 1 + floor((extract(epoch FROM c.started - (${ts} - make_interval(days => ${days}))) / 86400
             + (c.agent % 10) * 2) / 23)::int + CASE WHEN c.u2 > 0.9 THEN 1 ELSE 0 END) END::int2 AS version,
           c.input, c.output, CASE WHEN c.u6 < 0.4 THEN (c.input * 0.3)::int ELSE 0 END AS cached, c.u7 < 0.01 AS failed
         FROM call c
       )
       SELECT s.*, round(((s.input - s.cached) * m.pin + s.cached * m.pcache + s.output * m.pout) / 1000000, 9)::numeric(20, 9) AS cost
       FROM shaped s JOIN model m ON m.id = s.model`,
    ),
  );

  await withoutIndexes(
    client,
    ["Run", "Step"],
    async () => {
      await stage(`${runs.toLocaleString("en-US")} runs`, () =>
        client.query(
          `INSERT INTO "Run" (id, "traceId", name, "agentId", "teamId", status, "startedAt", "lastStepAt", "endedAt", outcome,
             "inputTokens", "outputTokens", "cachedInputTokens", "costUsd", "stepCount", "failedStepCount", "unpricedCount", "updatedAt")
           SELECT ${ID("run", "c.r")}, md5('trace' || c.r), p.name || ' #' || c.r, a.id, a."teamId",
             (CASE WHEN c.failed > 0 AND random() < 0.5 THEN 'FAILED' ELSE 'SUCCEEDED' END)::"RunStatus",
             c.first - interval '1 second', c.last + interval '2 seconds', c.last + interval '2 seconds',
             (CASE WHEN random() < 0.62 THEN 'SUCCESS' WHEN random() < 0.4 THEN 'FAILURE' ELSE 'UNKNOWN' END)::"Outcome",
             c.input, c.output, c.cached, c.cost, c.steps, c.failed, c.unpriced, now()
           FROM (
             SELECT r, agent, min(started) AS first, max(started) AS last, sum(input) AS input, sum(output) AS output, sum(cached) AS cached,
               coalesce(sum(cost), 0) AS cost, count(*) AS steps, count(*) FILTER (WHERE failed) AS failed, count(*) FILTER (WHERE cost IS NULL) AS unpriced
             FROM bench_call GROUP BY r, agent
           ) c
           JOIN "Agent" a ON a.id = ${ID("agent", "c.agent")}
           JOIN (VALUES ${promptValues}) p(n, name) ON p.n = 1 + c.agent % 10`,
        ),
      );
      await stage(`${calls.toLocaleString("en-US")} steps (LLM calls)`, () =>
        client.query(
          `INSERT INTO "Step" (id, "runId", "traceId", "spanId", "parentSpanId", kind, name, status, error, "startedAt", "endedAt",
             model, provider, "inputTokens", "outputTokens", "cachedInputTokens", "costUsd", unpriced, "promptName", "promptVersion")
           SELECT ${ID("step", "c.r || '.' || c.i")}, ${ID("run", "c.r")}, md5('trace' || c.r), lpad(to_hex(c.i + 2), 16, '0'), '0000000000000001',
             'LLM_CALL', 'chat ' || m.name, (CASE WHEN c.failed THEN 'FAILED' ELSE 'OK' END)::"StepStatus",
             CASE WHEN c.failed THEN '429 Too Many Requests: rate limited by the provider' END,
             c.started, c.started + make_interval(secs => 0.4 + c.output / 80.0), m.name, m.provider,
             c.input, c.output, c.cached, c.cost, c.cost IS NULL, p.name, CASE WHEN c.prompt > 0 THEN c.version END
           FROM bench_call c
           JOIN (VALUES ${modelValues}) m(id, name, provider, pin, pout, pcache) ON m.id = c.model
           LEFT JOIN (VALUES ${promptValues}) p(n, name) ON p.n = c.prompt`,
        ),
      );
    },
    stage,
  );
  await client.query(`DROP TABLE bench_call`);

  // The rollups, from the stored steps, keyed as ingestion keys them (lib/telemetry/store.ts: the UTC day the call
  // started, '' for no team, agent, model or prompt, 0 for no version); the month's from the days' (as applySpendRollup adds both).
  await stage("SpendDaily aggregated from the steps", () =>
    client.query(
      `INSERT INTO "SpendDaily" (day, "teamId", "agentId", model, "promptName", "promptVersion", calls, "unpricedCalls",
         "inputTokens", "outputTokens", "cachedInputTokens", "costUsd")
       SELECT s."startedAt"::date, coalesce(r."teamId", ''), coalesce(r."agentId", ''), coalesce(s.model, ''), coalesce(s."promptName", ''),
         coalesce(s."promptVersion", 0), count(*), count(*) FILTER (WHERE s.unpriced), coalesce(sum(s."inputTokens"), 0),
         coalesce(sum(s."outputTokens"), 0), coalesce(sum(s."cachedInputTokens"), 0), coalesce(sum(s."costUsd"), 0)
       FROM "Step" s JOIN "Run" r ON r.id = s."runId"
       WHERE s.kind = 'LLM_CALL'
       GROUP BY 1, 2, 3, 4, 5, 6`,
    ),
  );
  await stage("SpendMonthly aggregated from SpendDaily", () =>
    client.query(
      `INSERT INTO "SpendMonthly" (month, "teamId", "agentId", calls, "unpricedCalls", "costUsd")
       SELECT date_trunc('month', day)::date, "teamId", "agentId", sum(calls), sum("unpricedCalls"), sum("costUsd")
       FROM "SpendDaily" GROUP BY 1, 2, 3`,
    ),
  );
  // Which prompt versions each run used, as ingestion's spend hook records them (lib/spend/ingest-hook.ts: version 0 for none named).
  await stage("RunPromptVersion from the steps", () =>
    client.query(
      `INSERT INTO "RunPromptVersion" ("runId", "promptName", "promptVersion")
       SELECT DISTINCT s."runId", s."promptName", coalesce(s."promptVersion", 0)
       FROM "Step" s WHERE s.kind = 'LLM_CALL' AND s."promptName" IS NOT NULL AND s."promptName" <> ''`,
    ),
  );
  await stage("VACUUM ANALYZE", () => client.query(`VACUUM (ANALYZE) "Team", "Agent", "Run", "Step", "SpendDaily", "SpendMonthly", "RunPromptVersion"`));

  const loaded = await describeSpend(client, calls);
  return { ...loaded, stages, totalMs: performance.now() - started };
}

/** What is loaded (checked: `calls` steps, one run per 10), for a fresh load or a database kept by an earlier run. */
export async function describeSpend(client: pg.Client, calls: number): Promise<Omit<GeneratedSpend, "stages" | "totalMs">> {
  const runs = Math.ceil(calls / 10);
  const { rows: counts } = await client.query<{ steps: string; runs: string; daily: string; monthly: string }>(
    `SELECT (SELECT count(*) FROM "Step") AS steps, (SELECT count(*) FROM "Run") AS runs,
       (SELECT count(*) FROM "SpendDaily") AS daily, (SELECT count(*) FROM "SpendMonthly") AS monthly`,
  );
  if (Number(counts[0]!.steps) !== calls || Number(counts[0]!.runs) !== runs) throw new Error(`the database holds ${counts[0]!.steps} steps and ${counts[0]!.runs} runs, not ${calls} and ${runs}`);
  const { rows: sizes } = await client.query<Record<string, string>>(
    `SELECT pg_total_relation_size('"Step"') AS step, pg_total_relation_size('"Run"') AS run, pg_total_relation_size('"SpendDaily"') AS "spendDaily",
       pg_total_relation_size('"SpendMonthly"') AS "spendMonthly", pg_database_size(current_database()) AS database`,
  );
  const { rows: agents } = await client.query<{ name: string; team: string | null }>(
    `SELECT a.name, t.name AS team FROM "Agent" a LEFT JOIN "Team" t ON t.id = a."teamId" ORDER BY a.name`,
  );
  return {
    calls,
    runs,
    spendDailyRows: Number(counts[0]!.daily),
    spendMonthlyRows: Number(counts[0]!.monthly),
    agents,
    sizes: {
      step: Number(sizes[0]!.step),
      run: Number(sizes[0]!.run),
      spendDaily: Number(sizes[0]!.spendDaily),
      spendMonthly: Number(sizes[0]!.spendMonthly),
      database: Number(sizes[0]!.database),
    },
  };
}
