/**
 * Spend benchmark (issue 10 item 8): `npm run bench:spend [-- --calls 10000000 --iterations 50 --rate 400 --seconds 20]`.
 *
 * Targets: with 10 million LLM calls stored, a 30-day view grouped by team or
 * by model has p95 < 200 ms, reading the rollup (SpendDaily) and never the
 * steps — reported against the same question asked of the raw steps in the
 * same run; at 200 concurrent agents, the budget check has p99 < 10 ms and a
 * reservation p99 < 20 ms — reported against `GET /api/live` at the same
 * rate and concurrency. `--rate` is a list (default 200,400): the first rate
 * is the target's (200 agents, each asking once a second, faster than an LLM
 * call answers), the others show the headroom.
 *
 * One command does everything: its own production build (`NEXT_DIST_DIR`,
 * default .next-bench-spend; rebuilt only when the sources changed), its own
 * embedded PostgreSQL (`BENCH_PG_PORT` 54870, `BENCH_PG_DIR`
 * .data/bench-pg-spend; database `flightdeck_bench_spend` recreated and
 * migrated, dropped at the end unless `--keep`; `--reuse` measures again on a
 * kept one), the data written with SQL (bench/spend/generate.ts: `--calls`
 * calls over `--days` days, their runs and their rollups) and three API keys
 * (spend:read, budgets:check, admin). Then:
 *   1. agreement: for the last 30 days by team and by model, getSpendJson's
 *      answer and the raw steps' (bench/spend/queries.ts) must be identical,
 *      and the exact decimal totals of SpendDaily and Step too; so must
 *      getCostPerOutcome's per-version runs (from RunPromptVersion) and the
 *      steps', and hourlySpend's answer and its former one-statement form's;
 *      else it fails;
 *   2. in process (`--conditions=react-server`): getSpendJson, the same
 *      statements replayed with plain pg, the raw-step question, the page's
 *      getSpendReport and getCostPerOutcome (and its former steps query), and
 *      the spend anomaly job's hourlySpend (it reads steps of 8 windows; and its
 *      former one-statement form); `--iterations` (rollup) and
 *      `--raw-iterations` (steps) sequential calls after a warm-up, and
 *      EXPLAIN (ANALYZE, BUFFERS) of each statement;
 *   3. `next start` on `BENCH_PORT` (3870): `GET /api/v1/spend?groupBy=team|model`
 *      `--iterations` times each; then budgets set through `POST /api/v1/budgets`
 *      (bench/spend/budgets.ts) and, open loop at `--rate` requests/s for
 *      `--seconds` each with one keep-alive connection per agent (200), latency
 *      from the scheduled time (bench/lib/load.ts): /api/live, the check,
 *      reservations (`--ttl` seconds, default 300 as the API's), the check again
 *      with those reservations open, /api/live again; the check and the
 *      reservation also one request at a time for 5 s (their service time).
 *      Every answer is checked (200 allowed with its budgets / 201 with an id),
 *      what the database sessions do is sampled (bench/spend/activity.ts), and
 *      the stored reservations are reckoned against the grants; then the same
 *      routes on the agent listener (scripts/agent-listener.ts, as npm start
 *      runs it with AGENT_PORT: no Next.js request pipeline, no jobs) at the
 *      first rate;
 *   4. with the server stopped, checkBudget and reserveBudget in process one
 *      call at a time, and the plan of the usage statement with the
 *      reservations still open.
 * Prints markdown tables, writes bench/spend/results.json.
 */
import { execFileSync, type ChildProcess } from "node:child_process";
import { statfsSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { cpus, loadavg, totalmem } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { generateApiKey, hashApiKey } from "../../lib/api-keys/keys";
import { newId } from "../../lib/ids";
import { startEmbeddedPostgres } from "../../scripts/lib/embedded-postgres";
import { migrateDeploy } from "../../scripts/lib/prisma-cli";
import { postmasterPid, treeCpuMs } from "../lib/cpu";
import { ensureNextBuild, freshBenchDatabase, measureDiskFlush, startNextServer, startRouteServer, stopChild, waitForFirstJobTicks, type NextBuildOutcome } from "../lib/harness";
import { closedLoop, get, newAgent, openLoop, percentile, type LoadResult, type Target } from "../lib/load";
import { captureStatements, type Statement } from "../../tests/support/statements";
import { sampleActivity, type Activity } from "./activity";
import { checkTarget, createBudgets, newLedger, reckonReservations, reservationTarget } from "./budgets";
import { describeSpend, generateSpend, type GeneratedSpend } from "./generate";
import {
  differences,
  explain,
  outcomeDifferences,
  rawOutcomeByVersion,
  rawSpend,
  hourlyLines,
  RAW_GROUPED,
  RAW_HOURLY_SPEND,
  RAW_OUTCOME_BY_VERSION,
  RAW_UNPRICED,
  timed,
  type SpendGroupBy,
} from "./queries";

const { values: args } = parseArgs({
  options: {
    calls: { type: "string", default: "10000000" },
    days: { type: "string", default: "90" },
    iterations: { type: "string", default: "50" },
    "raw-iterations": { type: "string", default: "5" },
    rate: { type: "string", default: "200,400" },
    seconds: { type: "string", default: "20" },
    ttl: { type: "string", default: "300" },
    keep: { type: "boolean", default: false },
    reuse: { type: "boolean", default: false },
  },
});
const CALLS = Number(args.calls);
const DAYS = Number(args.days);
const ITERATIONS = Number(args.iterations);
const RAW_ITERATIONS = Number(args["raw-iterations"]);
const RATES = args.rate.split(",").map(Number);
/** The rate the targets are judged at: the first of `--rate`. */
const RATE = RATES[0]!;
const SECONDS = Number(args.seconds);
const TTL_SECONDS = Number(args.ttl);
if (![CALLS, DAYS, ITERATIONS, RAW_ITERATIONS, ...RATES, SECONDS, TTL_SECONDS].every((n) => Number.isInteger(n) && n > 0)) throw new Error("every option is a positive integer");
const PG_PORT = Number(process.env.BENCH_PG_PORT ?? 54870);
const PG_DIR = process.env.BENCH_PG_DIR ?? ".data/bench-pg-spend";
const APP_PORT = Number(process.env.BENCH_PORT ?? 3870);
const DIST_DIR = process.env.NEXT_DIST_DIR || ".next-bench-spend";
const DATABASE = "flightdeck_bench_spend";
const VIEW_DAYS = 30;
/** Disk a call takes at most while loading (step and run rows with indexes ~500 B, staging ~100 B, WAL in flight), doubled for safety. */
const BYTES_PER_CALL = 1_400;
const root = process.cwd();
const log = (line: string) => console.log(`[bench] ${line}`);
const load1 = () => loadavg()[0]!.toFixed(1);

const SPEND_P95_TARGET_MS = 200;
const CHECK_P99_TARGET_MS = 10;
const RESERVATION_P99_TARGET_MS = 20;

const ms = (x: number) => Math.round(x * 100) / 100;
/** The three wait events the most sessions were in (mean sessions per sample), e.g. "CPU 0.4, IO:WalSync 0.3". */
const topWaits = (a: Activity) =>
  Object.entries(a.waits)
    .slice(0, 3)
    .map(([event, n]) => `${event} ${n.toFixed(2)}`)
    .join(", ") || "nothing";
const f = (x: number | null | undefined, digits = 1) => (x === null || x === undefined || Number.isNaN(x) ? "–" : x.toFixed(digits));
const row = (cells: string[]) => `| ${cells.join(" | ")} |`;
const gb = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GiB`;

function git(...a: string[]): string {
  try {
    return execFileSync("git", a, { cwd: root, encoding: "utf8" }).trim();
  } catch {
    return "";
  }
}

interface Timing {
  label: string;
  group: SpendGroupBy | "page";
  kind: "rollup-http" | "rollup-fn" | "rollup-sql" | "raw" | "info";
  samples: number[];
}

const stats = (samples: number[]) => ({ n: samples.length, p50: ms(percentile(samples, 50)), p95: ms(percentile(samples, 95)), p99: ms(percentile(samples, 99)), max: ms(samples.at(-1) ?? NaN) });

interface Phase extends LoadResult {
  load: string;
  cpu: { app: number | null; pg: number | null; generator: number };
  activity: Activity;
}

async function insertKey(admin: pg.Client, name: string, scopes: string[]): Promise<string> {
  const key = generateApiKey();
  await admin.query(`INSERT INTO "ApiKey" (id, name, prefix, hash, scopes) VALUES ($1, $2, $3, $4, $5::text[])`, [newId(), name, key.slice(0, 9), hashApiKey(key), scopes]);
  return key;
}

function checkDisk(): void {
  const dir = path.resolve(PG_DIR, "..");
  const s = statfsSync(dir);
  const free = Number(s.bavail) * Number(s.bsize);
  const need = CALLS * BYTES_PER_CALL;
  log(`disk: ${gb(free)} free under ${dir}; ${CALLS.toLocaleString("en-US")} calls need up to ~${gb(need)}`);
  if (free < need) throw new Error(`not enough free disk for ${CALLS.toLocaleString("en-US")} calls (${gb(free)} free, ~${gb(need)} needed): use --calls`);
}

async function main() {
  log(
    `${CALLS.toLocaleString("en-US")} calls over ${DAYS} days; PostgreSQL on ${PG_PORT} (${PG_DIR}); next start on ${APP_PORT} (${DIST_DIR}); ` +
      `${ITERATIONS} rollup / ${RAW_ITERATIONS} raw iterations; budgets at ${RATES.join(", ")} requests/s for ${SECONDS} s; load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}`,
  );
  checkDisk();
  const build: NextBuildOutcome = await ensureNextBuild(DIST_DIR, log);
  const pgServer = await startEmbeddedPostgres({ dataDir: PG_DIR, port: PG_PORT });
  let app: ChildProcess | undefined;
  let admin: pg.Client | undefined;
  let rawPool: pg.Pool | undefined;
  let created = false;
  try {
    // This cluster is the benchmark's own: a larger WAL allowance spares the bulk load a checkpoint every gigabyte.
    const postgres = new pg.Client({ connectionString: pgServer.url("postgres") });
    await postgres.connect();
    await postgres.query(`ALTER SYSTEM SET max_wal_size = '8GB'`);
    await postgres.query(`SELECT pg_reload_conf()`);
    await postgres.end();

    let url: string;
    let data: GeneratedSpend;
    const now = new Date();
    if (args.reuse) {
      // A database an earlier run kept (--keep), with the same --calls: its budgets, reservations, alerts and keys are removed.
      url = pgServer.url(DATABASE);
      admin = new pg.Client({ connectionString: url });
      await admin.connect();
      created = true;
      await migrateDeploy(url, true);
      await admin.query(`DELETE FROM "BudgetReservation"; DELETE FROM "BudgetReservedTotal"; DELETE FROM "BudgetAlert"; DELETE FROM "Budget"; DELETE FROM "SpendAnomaly"; DELETE FROM "ApiKey" WHERE name LIKE 'bench-%'`);
      data = { ...(await describeSpend(admin, CALLS)), stages: [], totalMs: 0 };
      log(`reusing ${DATABASE} (${CALLS.toLocaleString("en-US")} calls, loaded by an earlier run); budgets, reservations and keys removed`);
    } else {
      const fresh = await freshBenchDatabase(pgServer, DATABASE);
      created = true;
      admin = fresh.admin;
      url = fresh.url;
      log(`loading ${CALLS.toLocaleString("en-US")} LLM calls with SQL (load average ${load1()})…`);
      data = await generateSpend(admin, { calls: CALLS, days: DAYS, now, log });
      log(
        `loaded in ${(data.totalMs / 1000).toFixed(0)} s: ${data.runs.toLocaleString("en-US")} runs, ${data.spendDailyRows.toLocaleString("en-US")} SpendDaily rows, ` +
          `${data.spendMonthlyRows} SpendMonthly rows; Step ${gb(data.sizes.step)}, Run ${gb(data.sizes.run)}, database ${gb(data.sizes.database)}`,
      );
    }
    const keys = {
      spend: await insertKey(admin, "bench-spend-read", ["spend:read"]),
      budgets: await insertKey(admin, "bench-budgets-check", ["budgets:check"]),
      admin: await insertKey(admin, "bench-admin", ["admin"]),
    };

    // ── 1–2. in process ──
    process.env.DATABASE_URL = url;
    const { getSpendJson, getSpendReport } = await import("../../lib/spend/report");
    const { getCostPerOutcome } = await import("../../lib/spend/outcomes");
    const { todayUtc, addDays } = await import("../../lib/spend/report-schema");
    const { disconnectDb } = await import("../../lib/db");
    const to = todayUtc();
    const from = addDays(to, -(VIEW_DAYS - 1));
    rawPool = new pg.Pool({ connectionString: url, max: 2 });
    const groups: SpendGroupBy[] = ["team", "model"];

    const { rows: exact } = await admin.query<{ rollup: string; steps: string; rollup_calls: string; step_calls: string }>(
      `SELECT (SELECT coalesce(sum("costUsd"), 0)::text FROM "SpendDaily" WHERE day BETWEEN $1::date AND $2::date) AS rollup,
         (SELECT coalesce(sum(calls), 0)::text FROM "SpendDaily" WHERE day BETWEEN $1::date AND $2::date) AS rollup_calls,
         (SELECT coalesce(sum("costUsd"), 0)::text FROM "Step" s WHERE s.kind = 'LLM_CALL' AND s."startedAt" >= $1::date AND s."startedAt" < $2::date + 1) AS steps,
         (SELECT count(*)::text FROM "Step" s WHERE s.kind = 'LLM_CALL' AND s."startedAt" >= $1::date AND s."startedAt" < $2::date + 1) AS step_calls`,
      [from, to],
    );
    const agreement = { from, to, rollupCostUsd: exact[0]!.rollup, stepsCostUsd: exact[0]!.steps, rollupCalls: Number(exact[0]!.rollup_calls), stepCalls: Number(exact[0]!.step_calls), problems: [] as string[] };
    if (agreement.rollupCostUsd !== agreement.stepsCostUsd || agreement.rollupCalls !== agreement.stepCalls) {
      agreement.problems.push(`30-day totals: rollup ${agreement.rollupCalls} calls $${agreement.rollupCostUsd}, steps ${agreement.stepCalls} calls $${agreement.stepsCostUsd}`);
    }
    const answers = new Map<SpendGroupBy, Awaited<ReturnType<typeof getSpendJson>>>();
    const appStatements = new Map<SpendGroupBy, Statement[]>();
    for (const groupBy of groups) {
      const query = { from, to, groupBy };
      let json: Awaited<ReturnType<typeof getSpendJson>> | undefined;
      appStatements.set(groupBy, await captureStatements(async () => (json = await getSpendJson(query))));
      answers.set(groupBy, json!);
      agreement.problems.push(...differences(json!, await rawSpend(rawPool, groupBy, from, to)).map((p) => `by ${groupBy}: ${p}`));
    }
    // The cost per outcome by prompt version reads RunPromptVersion: it must answer what the steps answer.
    const outcomes = await getCostPerOutcome({ from, to, groupBy: "team" });
    const outcomeRows = outcomes.byPromptVersion.map((r) => ({ name: r.name, version: r.version, runs: r.runs, successes: r.successes, unpricedRuns: r.unpricedRuns, runCostUsd: r.runCostUsd }));
    agreement.problems.push(...outcomeDifferences(outcomeRows, await rawOutcomeByVersion(rawPool, from, to)).map((p) => `cost per outcome, ${p}`));
    log(
      `30 days ${from} … ${to}: ${agreement.stepCalls.toLocaleString("en-US")} calls, $${agreement.stepsCostUsd}; ${outcomeRows.length} prompt versions with runs; ` +
        `rollups and steps ${agreement.problems.length ? "DIFFER" : "agree"}`,
    );
    if (agreement.problems.length) throw new Error(`the rollup's answer differs from the raw steps':\n${agreement.problems.join("\n")}`);

    const timings: Timing[] = [];
    const time = async (t: Omit<Timing, "samples">, n: number, warmup: number, fn: () => Promise<unknown>) => {
      const samples = await timed(n, warmup, fn);
      timings.push({ ...t, samples });
      log(`  ${t.label}: p50 ${f(percentile(samples, 50))} p95 ${f(percentile(samples, 95))} ms (n ${n}, load ${load1()})`);
    };
    log("in process…");
    for (const groupBy of groups) {
      const query = { from, to, groupBy };
      const statements = appStatements.get(groupBy)!;
      await time({ label: `getSpendJson by ${groupBy}`, group: groupBy, kind: "rollup-fn" }, ITERATIONS, 3, () => getSpendJson(query));
      await time({ label: `the same ${statements.length} statements by ${groupBy}, plain pg`, group: groupBy, kind: "rollup-sql" }, ITERATIONS, 3, () =>
        Promise.all(statements.map((s) => rawPool!.query(s.text, s.values))),
      );
      await time({ label: `raw steps by ${groupBy} (SQL, same question)`, group: groupBy, kind: "raw" }, RAW_ITERATIONS, 1, () => rawSpend(rawPool!, groupBy, from, to));
    }
    const pageIterations = Math.max(5, Math.round(ITERATIONS / 2));
    for (const groupBy of groups) {
      await time({ label: `getSpendReport by ${groupBy} (the page's report: two periods, chart, unpriced)`, group: "page", kind: "info" }, pageIterations, 2, () =>
        getSpendReport({ from, to, groupBy }),
      );
    }
    const outcomeStatements = await captureStatements(() => getCostPerOutcome({ from, to, groupBy: "team" }));
    await time({ label: "getCostPerOutcome (the page's cost per outcome)", group: "page", kind: "info" }, Math.min(3, RAW_ITERATIONS), 0, () => getCostPerOutcome({ from, to, groupBy: "team" }));
    await time({ label: "cost per outcome by prompt version from the steps (as before RunPromptVersion)", group: "page", kind: "info" }, Math.min(3, RAW_ITERATIONS), 0, () =>
      rawPool!.query(RAW_OUTCOME_BY_VERSION, [from, to]),
    );

    // The spend anomaly job (every 5 minutes, lib/spend/budgets/anomalies.ts) reads the steps of 8 one-hour windows.
    const { hourlySpend } = await import("../../lib/spend/budgets/anomalies");
    const { getDb } = await import("../../lib/db");
    const anomalyNow = new Date();
    const anomalyStatements = await captureStatements(() => hourlySpend(getDb(), anomalyNow));
    {
      // Its answer must be what the one-statement form (which read every call) answers, agent by agent.
      const mine = hourlyLines(await hourlySpend(getDb(), anomalyNow));
      const { rows } = await rawPool.query<{ agentId: string; d: number; cost: string }>(RAW_HOURLY_SPEND, [anomalyNow.toISOString()]);
      const byAgent = new Map<string, { agentId: string; lastUsd: number; baselineUsd: number[] }>();
      for (const row of rows) {
        const spend = byAgent.get(row.agentId) ?? { agentId: row.agentId, lastUsd: 0, baselineUsd: Array<number>(7).fill(0) };
        byAgent.set(row.agentId, spend);
        if (row.d === 0) spend.lastUsd = Number(row.cost);
        else spend.baselineUsd[row.d - 1] = Number(row.cost);
      }
      const theirs = hourlyLines([...byAgent.values()]);
      if (JSON.stringify(mine) !== JSON.stringify(theirs)) throw new Error(`hourlySpend differs from the one-statement form: ${mine.length} agents vs ${theirs.length}`);
      log(`hourlySpend agrees with the one-statement form (${mine.length} agents)`);
    }
    await time({ label: "hourlySpend (the spend anomaly job, every 5 minutes)", group: "page", kind: "info" }, Math.min(3, RAW_ITERATIONS), 0, () => hourlySpend(getDb(), new Date()));
    await time({ label: "hourlySpend as one statement over a series (before: every call read)", group: "page", kind: "info" }, Math.min(2, RAW_ITERATIONS), 0, () =>
      rawPool!.query(RAW_HOURLY_SPEND, [new Date().toISOString()]),
    );

    log("EXPLAIN ANALYZE…");
    const explains: { label: string; sql: string; plan: string }[] = [];
    const addExplain = async (label: string, statement: Statement) => explains.push({ label, sql: statement.text.replace(/\s+/g, " ").trim(), plan: await explain(rawPool!, statement) });
    for (const groupBy of groups) {
      const [grouped] = appStatements.get(groupBy)!;
      if (grouped) await addExplain(`rollup by ${groupBy} (getSpendJson's grouped statement)`, grouped);
      await addExplain(`raw steps by ${groupBy}`, { text: RAW_GROUPED[groupBy], values: [from, to] });
    }
    await addExplain("raw steps, unpriced models", { text: RAW_UNPRICED, values: [from, to] });
    for (const [i, s] of outcomeStatements.entries()) await addExplain(`getCostPerOutcome statement ${i + 1}`, s);
    for (const [i, s] of anomalyStatements.entries()) await addExplain(`hourlySpend statement ${i + 1}`, s);
    await disconnectDb();

    // ── 3. next start ──
    // The server runs the periodic jobs. The prompt_log_index job (lib/prompts/log/indexer.ts) would spend its
    // 5 s per 10 s tick working through the 10 million calls written here, as a deployment does once after
    // the upgrade that added it: mark it caught up, the steady state (these steps carry no messages to search).
    await admin.query(
      `INSERT INTO "PromptLogIndexState" (id, "safeCreatedAt", "safeStepId", "scannedCreatedAt", "scannedStepId", "updatedAt")
       SELECT 1, s."createdAt", s.id, s."createdAt", s.id, now() FROM "Step" s WHERE s.kind = 'LLM_CALL' ORDER BY s."createdAt" DESC, s.id DESC LIMIT 1
       ON CONFLICT (id) DO UPDATE SET "safeCreatedAt" = EXCLUDED."safeCreatedAt", "safeStepId" = EXCLUDED."safeStepId",
         "scannedCreatedAt" = EXCLUDED."scannedCreatedAt", "scannedStepId" = EXCLUDED."scannedStepId", "updatedAt" = now()`,
    );
    const serverStarted = new Date(Date.now() - 1_000);
    app = await startNextServer({ port: APP_PORT, databaseUrl: url, distDir: DIST_DIR });
    const appPid = app.pid;
    const pgPid = postmasterPid(path.join(path.resolve(PG_DIR), "pgdata"));
    const one = newAgent(1);
    log("GET /api/v1/spend through next start…");
    for (const groupBy of groups) {
      const spendPath = `/api/v1/spend?from=${from}&to=${to}&groupBy=${groupBy}`;
      const expected = answers.get(groupBy)!;
      await time({ label: `GET /api/v1/spend?groupBy=${groupBy} (next start)`, group: groupBy, kind: "rollup-http" }, ITERATIONS, 3, async () => {
        const answer = await get(one, APP_PORT, spendPath, { Authorization: `Bearer ${keys.spend}` });
        if (answer.status !== 200) throw new Error(`GET ${spendPath} answered ${answer.status} ${answer.body.toString().slice(0, 300)}`);
        const body = JSON.parse(answer.body.toString()) as typeof expected;
        if (JSON.stringify(body.total) !== JSON.stringify(expected.total) || body.rows.length !== expected.rows.length) throw new Error(`GET ${spendPath} answered other totals than getSpendJson`);
      });
    }

    log("budgets through POST /api/v1/budgets…");
    const budgetSetup = await createBudgets(admin, APP_PORT, one, keys.admin, data.agents, now);
    one.destroy();
    log(`  ${budgetSetup.organisation + budgetSetup.teams + budgetSetup.agents} budgets (${budgetSetup.hardCapped} hard-capped) in ${(budgetSetup.ms / 1000).toFixed(1)} s`);

    // Latency is measured on a settled server: not inside the first ticks of its periodic jobs (bench/lib/harness.ts).
    const { JOBS } = await import("../../lib/jobs/registry");
    // The jobs of a few seconds' interval are always due at boot (the others may not be, after an earlier run).
    const frequent = JOBS.filter((job) => job.intervalMs <= 60_000).map((job) => job.name);
    const settledMs = await waitForFirstJobTicks(admin, serverStarted, frequent);
    log(`  the ${frequent.length} frequent periodic jobs ticked once (${(settledMs / 1000).toFixed(1)} s of waiting)`);

    const alone = 5;
    const measured = async (target: Target, mode: "open" | "alone", rate = RATE, serverPid = appPid): Promise<Phase> => {
      const loadBefore = load1();
      const app0 = treeCpuMs(serverPid);
      const pg0 = treeCpuMs(pgPid);
      const gen0 = process.cpuUsage();
      const { result: r, activity } = await sampleActivity(url, () =>
        mode === "open" ? openLoop(APP_PORT, target, data.agents.length, rate, SECONDS, { pinned: true }) : closedLoop(APP_PORT, target, 1, alone),
      );
      const gen = process.cpuUsage(gen0);
      const app1 = treeCpuMs(serverPid);
      const pg1 = treeCpuMs(pgPid);
      const per = (a: number | null, b: number | null) => (a === null || b === null || r.requests === 0 ? null : (b - a) / r.requests);
      const phase: Phase = {
        ...r,
        label: mode === "alone" ? `${target.label}, one request at a time` : target.label,
        load: `${loadBefore}→${load1()}`,
        cpu: { app: per(app0, app1), pg: per(pg0, pg1), generator: (gen.user + gen.system) / 1000 / Math.max(1, r.requests) },
        activity,
      };
      log(
        `  ${phase.label}: ${Math.round(phase.rps)} req/s, p50 ${f(percentile(phase.latencies, 50))} p95 ${f(percentile(phase.latencies, 95))} p99 ${f(percentile(phase.latencies, 99))} ms, ` +
          `${phase.errors} errors${phase.errors ? ` (${phase.errorSamples.join("; ")})` : ""}; sessions active ${f(activity.active)}, on a lock ${f(activity.waitingOnLock)}, idle in transaction ${f(activity.idleInTransaction)}; waiting on ${topWaits(activity)}`,
      );
      return phase;
    };
    const liveTarget: Target = {
      label: "GET /api/live (baseline)",
      request: () => ({ path: "/api/live" }),
      check: (status, body) => (status !== 200 ? `status ${status}` : body && !body.toString().includes('"ok"') ? `body ${body}` : null),
    };
    const ledger = newLedger();
    const checks = checkTarget(data.agents, keys.budgets, budgetSetup, "GET /api/v1/budgets/check");
    // A short untimed warm-up (JIT, key cache, pools), then the phases.
    for (const t of [liveTarget, checks]) await openLoop(APP_PORT, t, data.agents.length, RATE, 2, { pinned: true, warmRequest: { path: "/api/live" } });
    log(`open loop at ${RATES.join(", ")} requests/s for ${SECONDS} s each, ${data.agents.length} agents with a connection each; and ${alone} s of one request at a time…`);
    // At each rate the baseline, then the check; then the reservations at each rate (they stay open:
    // the check with them open comes last, at the highest rate, then the baseline again).
    const liveAt: Phase[] = [];
    const checkAt: Phase[] = [];
    const reserveAt: Phase[] = [];
    for (const rate of RATES) {
      liveAt.push(await measured(liveTarget, "open", rate));
      checkAt.push(await measured(checks, "open", rate));
    }
    const checkAlone = await measured(checks, "alone");
    // A grant is answered once durable: the disk's own flush latency, just before, is its floor.
    const disk = measureDiskFlush(path.resolve(PG_DIR), 10);
    log(
      `  the disk: ${disk.samples.length} fdatasyncs of 8 KiB in 10 s, p50 ${f(percentile(disk.samples, 50), 2)} p99 ${f(percentile(disk.samples, 99), 2)} max ${f(disk.samples.at(-1))} ms, ${disk.over50ms} over 50 ms`,
    );
    const reserveAlone = await measured(reservationTarget(data.agents, keys.budgets, TTL_SECONDS, ledger, 1), "alone");
    for (const [i, rate] of RATES.entries()) reserveAt.push(await measured(reservationTarget(data.agents, keys.budgets, TTL_SECONDS, ledger, 2 + i), "open", rate));
    const [check, reserve] = [checkAt[0]!, reserveAt[0]!];
    const reckoning = await reckonReservations(admin, ledger);
    log(
      `  reservations: ${reckoning.granted} granted ($${reckoning.grantedUsd}), ${reckoning.unanswered} unanswered ($${reckoning.unansweredUsd}), ` +
        `${reckoning.stored} stored ($${reckoning.storedUsd}), ${reckoning.open} open — ${reckoning.exact ? "stored = granted" : reckoning.ok ? "every grant stored, the rest unanswered requests" : "THEY DIFFER"}`,
    );
    const highest = Math.max(...RATES);
    const checkOpen = await measured(
      checkTarget(data.agents, keys.budgets, budgetSetup, `GET /api/v1/budgets/check, ${reckoning.open.toLocaleString("en-US")} reservations open`),
      "open",
      highest,
    );
    const liveAfter = await measured(liveTarget, "open", highest);
    for (const p of liveAt) p.label += " before";
    liveAfter.label += " after";
    await stopChild(app);
    app = undefined;

    // The same route handlers on the agent listener (scripts/agent-listener.ts, AGENT_PORT): no Next.js
    // request pipeline and no periodic jobs in that process, at the target's rate.
    log(`the same routes on the agent listener (scripts/agent-listener.ts, as npm start runs it with AGENT_PORT), ${RATE} requests/s…`);
    // Started as npm start starts it, then warmed (its pool's connections, the key cache, the agent gate).
    const startListener = async (env: Record<string, string> = {}) => {
      const listener = await startRouteServer("scripts/agent-listener.ts", {
        port: APP_PORT,
        databaseUrl: url,
        env: { PORT: String(APP_PORT + 1), AGENT_PORT: String(APP_PORT), AGENT_HOST: "127.0.0.1", ...env },
      });
      for (const t of [liveTarget, checks]) await openLoop(APP_PORT, t, data.agents.length, RATE, 2, { pinned: true, warmRequest: { path: "/api/live" } });
      return listener;
    };
    app = await startListener();
    const routePid = app.pid;
    const plain = (p: Phase) => Object.assign(p, { label: `${p.label} — agent listener` });
    const routeLive = plain(await measured(liveTarget, "open", RATE, routePid));
    const routeCheck = plain(await measured(checks, "open", RATE, routePid));
    const routeReserve = plain(await measured(reservationTarget(data.agents, keys.budgets, TTL_SECONDS, ledger, 2 + RATES.length), "open", RATE, routePid));
    await stopChild(app);
    app = undefined;
    // Again with RESERVATION_COMMIT=async: a grant answered once committed (every other reservation sees
    // it, the caps hold alike), before the disk's flush, whose stalls then stay out of the answer.
    const diskAgain = measureDiskFlush(path.resolve(PG_DIR), 10);
    log(`  the disk again: p99 ${f(percentile(diskAgain.samples, 99), 2)} max ${f(diskAgain.samples.at(-1))} ms, ${diskAgain.over50ms} over 50 ms in 10 s`);
    app = await startListener({ RESERVATION_COMMIT: "async" });
    const routeReserveAsync = await measured(reservationTarget(data.agents, keys.budgets, TTL_SECONDS, ledger, 3 + RATES.length), "open", RATE, app.pid);
    routeReserveAsync.label += " — agent listener, RESERVATION_COMMIT=async";
    await stopChild(app);
    app = undefined;
    const reckoningAll = await reckonReservations(admin, ledger);
    log(
      `  all reservations: ${reckoningAll.granted} granted ($${reckoningAll.grantedUsd}), ${reckoningAll.unanswered} unanswered, ${reckoningAll.stored} stored ($${reckoningAll.storedUsd}) — ` +
        `${reckoningAll.exact ? "stored = granted" : reckoningAll.ok ? "every grant stored, the rest unanswered requests" : "THEY DIFFER"}`,
    );

    // The same two functions in this process with the server stopped, one call at a time (no HTTP, no
    // contention): their service time, and the plan of each statement with the reservations still open.
    log("budget check and reservation in process, one at a time…");
    const { checkBudget, reserveBudget } = await import("../../lib/spend/budgets/reservations");
    const busiest = data.agents[0]!.name;
    const reservationBody = { agent: busiest, estimatedCostUsd: 0.02, ttlSeconds: TTL_SECONDS };
    const checkStatements = await captureStatements(() => checkBudget(busiest, 0.02));
    const reserveStatements = await captureStatements(() => reserveBudget(reservationBody, null));
    const { rows: openNow } = await admin.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM "BudgetReservation" WHERE "settledAt" IS NULL AND "expiresAt" > (now() AT TIME ZONE 'UTC')`,
    );
    const budgetTimings: Timing[] = [];
    for (const [label, fn] of [
      [`checkBudget in process (${openNow[0]!.n.toLocaleString("en-US")} reservations open)`, () => checkBudget(busiest, 0.02)],
      ["reserveBudget in process", () => reserveBudget(reservationBody, null)],
    ] as const) {
      const samples = await timed(ITERATIONS * 2, 5, fn);
      budgetTimings.push({ label, group: "page", kind: "info", samples });
      log(`  ${label}: p50 ${f(percentile(samples, 50))} p95 ${f(percentile(samples, 95))} p99 ${f(percentile(samples, 99))} ms`);
    }
    for (const [i, st] of checkStatements.entries()) await addExplain(`checkBudget statement ${i + 1}`, st);
    const statementsOfReservation = reserveStatements.map((st) => st.text.replace(/\s+/g, " ").trim().slice(0, 120));
    await disconnectDb();

    // ── report ──
    const byKind = (group: SpendGroupBy, kind: Timing["kind"]) => timings.find((t) => t.group === group && t.kind === kind)!;
    const queryTable = [
      row(["30-day view (" + `${from} … ${to}` + ")", "path", "n", "p50 ms", "p95 ms", "p99 ms", "max ms", "raw steps ÷ this (p50 · p95)"]),
      row(["---", "---", "---:", "---:", "---:", "---:", "---:", "---:"]),
    ];
    for (const t of timings) {
      const raw = t.group === "page" ? null : byKind(t.group, "raw");
      const ratio =
        raw && t.kind !== "raw"
          ? `${Math.round(percentile(raw.samples, 50) / percentile(t.samples, 50)).toLocaleString("en-US")}× · ${Math.round(percentile(raw.samples, 95) / percentile(t.samples, 95)).toLocaleString("en-US")}×`
          : "";
      const s = stats(t.samples);
      const pathName = { "rollup-http": "rollup, HTTP", "rollup-fn": "rollup, in process", "rollup-sql": "rollup, SQL only", raw: "**raw steps**, SQL", info: "information" }[t.kind];
      queryTable.push(row([t.label, pathName, String(s.n), f(s.p50), f(s.p95), f(s.p99), f(s.max), ratio]));
    }
    const phases = [...RATES.flatMap((_, i) => [liveAt[i]!, checkAt[i]!]), checkAlone, reserveAlone, ...reserveAt, checkOpen, liveAfter, routeLive, routeCheck, routeReserve, routeReserveAsync];
    const budgetTable = [
      row(["request", "load", "requests", "errors", "p50 ms", "p95 ms", "p99 ms", "max ms", "sessions active · on a lock · idle in tx", "CPU ms/req app · PG · gen", "load avg"]),
      row(["---", "---", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:"]),
      ...phases.map((p) =>
        row([
          p.label,
          p.mode === "open" ? `${p.rate}/s, ${p.connections} agents (sender lag p99 ${f(percentile(p.sendLag, 99))} ms)` : `1 client, ${f(p.rps, 0)} req/s`,
          String(p.requests),
          String(p.errors),
          f(percentile(p.latencies, 50)),
          f(percentile(p.latencies, 95)),
          f(percentile(p.latencies, 99)),
          f(p.latencies.at(-1) ?? NaN),
          `${f(p.activity.active)} · ${f(p.activity.waitingOnLock)} · ${f(p.activity.idleInTransaction)}`,
          `${f(p.cpu.app, 2)} · ${f(p.cpu.pg, 2)} · ${f(p.cpu.generator, 2)}`,
          p.load,
        ]),
      ),
      ...budgetTimings.map((t) => {
        const st = stats(t.samples);
        return row([t.label, "1 caller, no HTTP", String(st.n), "0", f(st.p50), f(st.p95), f(st.p99), f(st.max), "", "", ""]);
      }),
      row([
        "the disk: 8 KiB written and fdatasync'ed (a WAL flush), one after another",
        `10 s, ${disk.over50ms} over 50 ms`,
        String(disk.samples.length),
        "0",
        f(percentile(disk.samples, 50), 2),
        f(percentile(disk.samples, 95), 2),
        f(percentile(disk.samples, 99), 2),
        f(disk.samples.at(-1)),
        "",
        "",
        "",
      ]),
    ];
    const loadTable = [
      row(["load stage", "s"]),
      row(["---", "---:"]),
      ...data.stages.map((s) => row([s.label, (s.ms / 1000).toFixed(1)])),
      row([args.reuse ? "**reused: loaded by an earlier run (--keep, then --reuse)**" : "**total**", `**${(data.totalMs / 1000).toFixed(1)}**`]),
    ];

    const http95 = groups.map((g) => percentile(byKind(g, "rollup-http").samples, 95));
    const spendMet = http95.every((p) => p < SPEND_P95_TARGET_MS);
    const checkP99 = percentile(check.latencies, 99);
    const reserveP99 = percentile(reserve.latencies, 99);
    const checkMetOn = (p: Phase) => percentile(p.latencies, 99) < CHECK_P99_TARGET_MS && p.errors === 0;
    const reserveMetOn = (p: Phase) => percentile(p.latencies, 99) < RESERVATION_P99_TARGET_MS && p.errors === 0 && reckoningAll.exact;
    const checkMet = checkMetOn(check);
    const reserveMet = reserveMetOn(reserve);
    const commit = git("rev-parse", "--short", "HEAD");
    const dirty = git("status", "--porcelain").split("\n").filter(Boolean).length;
    const machine = `${cpus().length} × ${cpus()[0]?.model ?? "?"}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`;

    console.log(`\n${machine}; commit ${commit}${dirty ? ` + ${dirty} uncommitted paths` : ""}; next start (${DIST_DIR})\n`);
    console.log(
      `${CALLS.toLocaleString("en-US")} LLM calls, ${data.runs.toLocaleString("en-US")} runs, ${data.agents.length} agents, ${DAYS} days; ${data.spendDailyRows.toLocaleString("en-US")} SpendDaily rows; ` +
        `Step ${gb(data.sizes.step)} with indexes, database ${gb(data.sizes.database)}; the 30-day view covers ${agreement.stepCalls.toLocaleString("en-US")} calls ($${agreement.stepsCostUsd}), rollup and steps agree\n`,
    );
    console.log(loadTable.join("\n") + "\n");
    console.log(queryTable.join("\n") + "\n");
    console.log(budgetTable.join("\n") + "\n");
    console.log(`spend view p95 (HTTP): by team ${f(http95[0])} ms, by model ${f(http95[1])} ms — target < ${SPEND_P95_TARGET_MS} ms: ${spendMet ? "met" : "NOT met"}`);
    console.log(`budget check p99 ${f(checkP99)} ms at ${RATE}/s, ${check.errors} errors — target < ${CHECK_P99_TARGET_MS} ms: ${checkMet ? "met" : "NOT met"}`);
    console.log(
      `reservation p99 ${f(reserveP99)} ms at ${RATE}/s, ${reserve.errors} errors; ${reckoningAll.granted} granted ($${reckoningAll.grantedUsd}), ${reckoningAll.unanswered} unanswered, ` +
        `${reckoningAll.stored} stored ($${reckoningAll.storedUsd}): ${reckoningAll.exact ? "stored = granted" : reckoningAll.ok ? "every grant stored, the extra ones unanswered requests" : "INCONSISTENT"} — target < ${RESERVATION_P99_TARGET_MS} ms: ${reserveMet ? "met" : "NOT met"}`,
    );
    console.log(
      `on the agent listener (AGENT_PORT: no Next.js pipeline, no jobs), ${RATE}/s: /api/live p99 ${f(percentile(routeLive.latencies, 99))} ms; ` +
        `check p99 ${f(percentile(routeCheck.latencies, 99))} ms — target < ${CHECK_P99_TARGET_MS} ms: ${checkMetOn(routeCheck) ? "met" : "NOT met"}; ` +
        `reservation p99 ${f(percentile(routeReserve.latencies, 99))} ms (durable) — target < ${RESERVATION_P99_TARGET_MS} ms: ${reserveMetOn(routeReserve) ? "met" : "NOT met"}; ` +
        `${f(percentile(routeReserveAsync.latencies, 99))} ms (RESERVATION_COMMIT=async): ${reserveMetOn(routeReserveAsync) ? "met" : "NOT met"}`,
    );
    if (build.tsconfig) console.log(`tsconfig.json: next build rewrote it; ${build.tsconfig === "restored" ? "restored to what it was" : "LEFT CHANGED (it changed in other ways too)"}`);

    const phaseSummary = (p: Phase) => ({
      label: p.label,
      mode: p.mode,
      rate: p.rate,
      agents: p.connections,
      seconds: ms(p.seconds),
      requests: p.requests,
      errors: p.errors,
      errorSamples: p.errorSamples,
      latencyMs: { p50: ms(percentile(p.latencies, 50)), p95: ms(percentile(p.latencies, 95)), p99: ms(percentile(p.latencies, 99)), max: ms(p.latencies.at(-1) ?? NaN) },
      sendLagP99Ms: ms(percentile(p.sendLag, 99)),
      cpuMsPerRequest: { app: p.cpu.app === null ? null : ms(p.cpu.app), pg: p.cpu.pg === null ? null : ms(p.cpu.pg), generator: ms(p.cpu.generator) },
      sessions: { active: ms(p.activity.active), waitingOnLock: ms(p.activity.waitingOnLock), idleInTransaction: ms(p.activity.idleInTransaction), samples: p.activity.samples, waits: p.activity.waits },
      load: p.load,
    });
    await mkdir(path.join(root, "bench/spend"), { recursive: true });
    await writeFile(
      path.join(root, "bench/spend/results.json"),
      JSON.stringify(
        {
          at: new Date().toISOString(),
          commit,
          uncommittedPaths: dirty,
          machine,
          config: { calls: CALLS, reused: args.reuse, days: DAYS, iterations: ITERATIONS, rawIterations: RAW_ITERATIONS, rates: RATES, seconds: SECONDS, ttlSeconds: TTL_SECONDS, distDir: DIST_DIR },
          build,
          data: { runs: data.runs, agents: data.agents.length, spendDailyRows: data.spendDailyRows, spendMonthlyRows: data.spendMonthlyRows, sizes: data.sizes, loadSeconds: ms(data.totalMs / 1000), stages: data.stages.map((s) => ({ label: s.label, seconds: ms(s.ms / 1000) })) },
          agreement,
          targets: {
            spendView: { byTeamP95Ms: ms(http95[0]!), byModelP95Ms: ms(http95[1]!), targetMs: SPEND_P95_TARGET_MS, met: spendMet },
            budgetCheck: { rate: RATE, p99Ms: ms(checkP99), errors: check.errors, targetMs: CHECK_P99_TARGET_MS, met: checkMet },
            reservation: { rate: RATE, p99Ms: ms(reserveP99), errors: reserve.errors, targetMs: RESERVATION_P99_TARGET_MS, met: reserveMet },
          },
          queries: timings.map((t) => ({ label: t.label, group: t.group, kind: t.kind, ...stats(t.samples) })),
          budgets: {
            setup: { ...budgetSetup, applying: undefined, seconds: ms(budgetSetup.ms / 1000) },
            phases: phases.map(phaseSummary),
            inProcess: budgetTimings.map((t) => ({ label: t.label, ...stats(t.samples) })),
            diskFlush: { ...stats(disk.samples), over50ms: disk.over50ms, seconds: 10 },
            diskFlushBeforeAsync: { ...stats(diskAgain.samples), over50ms: diskAgain.over50ms, seconds: 10 },
            settledMs,
            statementsOfReservation,
            reservations: reckoningAll,
            agentListener: {
              rate: RATE,
              liveP99Ms: ms(percentile(routeLive.latencies, 99)),
              checkP99Ms: ms(percentile(routeCheck.latencies, 99)),
              reservationP99Ms: ms(percentile(routeReserve.latencies, 99)),
              checkMet: checkMetOn(routeCheck),
              reservationMet: reserveMetOn(routeReserve),
              reservationAsyncP99Ms: ms(percentile(routeReserveAsync.latencies, 99)),
              reservationAsyncMet: reserveMetOn(routeReserveAsync),
            },
          },
          explains,
          tables: { load: loadTable.join("\n"), queries: queryTable.join("\n"), budgets: budgetTable.join("\n") },
        },
        null,
        2,
      ) + "\n",
    );
    log("wrote bench/spend/results.json");
    if (!reckoningAll.ok) throw new Error("the stored reservations do not match the grants (see the reckoning above)");
  } finally {
    await stopChild(app);
    await rawPool?.end().catch(() => undefined);
    await admin?.end().catch(() => undefined);
    let clusterEmpty = false;
    if (created && !args.keep) {
      const cleanup = new pg.Client({ connectionString: pgServer.url("postgres") });
      await cleanup.connect();
      try {
        await cleanup.query(`DROP DATABASE IF EXISTS "${DATABASE}" WITH (FORCE)`);
        await cleanup.query(`ALTER SYSTEM RESET max_wal_size`);
        const { rows } = await cleanup.query(`SELECT 1 FROM pg_database WHERE datname NOT IN ('postgres', 'template0', 'template1')`);
        clusterEmpty = rows.length === 0;
      } finally {
        await cleanup.end();
      }
      log(`dropped the database ${DATABASE} (--keep keeps it)`);
    }
    if (pgServer.owned) {
      await pgServer.stop();
      // The load leaves up to max_wal_size (8 GB) of recycled WAL segments in the cluster, which PostgreSQL only
      // reuses: a cluster holding nothing else is removed (the next run initialises a new one in ~2 s).
      if (clusterEmpty) {
        await rm(path.resolve(PG_DIR), { recursive: true, force: true });
        log(`removed the benchmark's cluster ${PG_DIR} (it held nothing else)`);
      }
    }
  }
}

main().then(
  // In-process imports of the app (its pools, its notification hub) may keep handles open: the run is over.
  () => process.exit(0),
  (error: unknown) => {
    console.error("[bench] failed:", error);
    process.exit(1);
  },
);
