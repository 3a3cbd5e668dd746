/**
 * Timeline benchmark: `npx tsx bench/timeline/run.ts [--requests 40] [--runs 19900]`.
 *
 * Starts its own embedded PostgreSQL (fresh database, own port), generates
 * 1,000,000 steps with set-based SQL (generate_series): 19,900 runs of 50
 * steps plus one run of 5,000 steps; then starts the production server
 * (scripts/start.ts: migrate, seed users, build when needed, next start),
 * signs in as the ops lead and measures, with repeated HTTP requests:
 *   - GET /api/health (baseline: the cheapest database-backed request)
 *   - GET /runs (the list, first page, counts and quadrants), filtered variants
 *   - GET /runs/<id> for the 5,000-step run (server render of the whole page)
 * and the raw SQL of the list and the timeline as a second baseline.
 * Prints p50/p95 and writes bench/timeline/results.json.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { ensureDatabase, portIsOpen, startEmbeddedPostgres } from "../../scripts/lib/embedded-postgres";
import { migrateDeploy } from "../../scripts/lib/prisma-cli";

const { values: args } = parseArgs({
  options: {
    requests: { type: "string", default: "40" },
    runs: { type: "string", default: "19900" },
    "steps-per-run": { type: "string", default: "50" },
    "big-run": { type: "string", default: "5000" },
  },
});
const REQUESTS = Number(args.requests);
const RUNS = Number(args.runs);
const STEPS_PER_RUN = Number(args["steps-per-run"]);
const BIG_RUN_STEPS = Number(args["big-run"]);
const PG_PORT = Number(process.env.TIMELINE_BENCH_PG_PORT ?? 54383);
const PG_DIR = process.env.TIMELINE_BENCH_PG_DIR ?? ".data/bench-timeline-pg";
const APP_PORT = Number(process.env.TIMELINE_BENCH_PORT ?? 3393);
const BASE = `http://localhost:${APP_PORT}`;
const root = process.cwd();
const log = (line: string) => console.log(`[bench] ${line}`);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function summarize(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { n: sorted.length, p50: round(percentile(sorted, 50)), p95: round(percentile(sorted, 95)), max: round(sorted[sorted.length - 1]!) };
}
const round = (ms: number) => Math.round(ms * 10) / 10;

async function generate(client: pg.Client) {
  const t = performance.now();
  await client.query(`INSERT INTO "Team" (id, name) SELECT 'team' || g, 'Team ' || g FROM generate_series(1, 5) g`);
  await client.query(`INSERT INTO "Agent" (id, name, "teamId", "updatedAt") SELECT 'agent' || g, 'agent-' || g, 'team' || (1 + g % 5), now() FROM generate_series(1, 20) g`);
  // Runs: one a minute going back in time; 2% failed, 1% running, 1.5% looping, some scored.
  await client.query(
    `INSERT INTO "Run" (id, "traceId", name, "agentId", "teamId", status, "startedAt", "lastStepAt", "endedAt", outcome,
       "inputTokens", "outputTokens", "costUsd", "stepCount", "failedStepCount", "unpricedCount", "flagLoop", "flagToolFailure",
       "outputScore", "updatedAt")
     SELECT 'run' || g, md5('run' || g), (array['Refund', 'Triage', 'Invoice', 'Support'])[1 + g % 4] || ' request ' || g,
       'agent' || (1 + g % 20), 'team' || (1 + (1 + g % 20) % 5),
       (CASE WHEN g % 50 = 0 THEN 'FAILED' WHEN g % 97 = 0 THEN 'RUNNING' ELSE 'SUCCEEDED' END)::"RunStatus",
       now() - make_interval(mins => g), now() - make_interval(mins => g) + make_interval(secs => $2::int),
       CASE WHEN g % 97 = 0 AND g % 50 <> 0 THEN NULL ELSE now() - make_interval(mins => g) + make_interval(secs => $2::int) END,
       (CASE WHEN g % 7 = 0 THEN 'FAILURE' WHEN g % 3 = 0 THEN 'SUCCESS' ELSE 'UNKNOWN' END)::"Outcome",
       $2::int * 400, $2::int * 120, ($2::int * 0.0021)::numeric, $2::int, CASE WHEN g % 50 = 0 THEN 1 ELSE 0 END,
       CASE WHEN g % 40 = 0 THEN 3 ELSE 0 END, g % 67 = 0, g % 50 = 0, CASE WHEN g % 5 = 0 THEN (g % 10) / 10.0 END, now()
     FROM generate_series(1, $1::int) g`,
    [RUNS, STEPS_PER_RUN],
  );
  log(`  ${RUNS.toLocaleString("en-US")} runs in ${Math.round(performance.now() - t)} ms`);
  const s = performance.now();
  // Steps: an AGENT root per run, then LLM call / tool call / decision in turn; realistic JSON bodies.
  await client.query(
    `INSERT INTO "Step" (id, "runId", "traceId", "spanId", "parentSpanId", kind, name, status, error, "startedAt", "endedAt",
       model, "inputTokens", "outputTokens", "costUsd", tool, arguments, result, decision, "outputMessages")
     SELECT 's' || r || '-' || i, 'run' || r, md5('run' || r), lpad(to_hex(i + 1), 16, '0'),
       CASE WHEN i = 0 THEN NULL ELSE lpad('1', 16, '0') END,
       (CASE WHEN i = 0 THEN 'AGENT' WHEN i % 3 = 1 THEN 'LLM_CALL' WHEN i % 3 = 2 THEN 'TOOL_CALL' ELSE 'DECISION' END)::"StepKind",
       CASE WHEN i = 0 THEN 'agent run' WHEN i % 3 = 1 THEN 'chat gpt-4o' WHEN i % 3 = 2 THEN 'execute_tool ' || (array['crm_lookup', 'refund', 'search', 'send_email'])[1 + i % 4] ELSE 'decide next action' END,
       (CASE WHEN r % 50 = 0 AND i = 20 THEN 'FAILED' ELSE 'OK' END)::"StepStatus",
       CASE WHEN r % 50 = 0 AND i = 20 THEN 'Upstream timeout calling the CRM after 30 s' END,
       now() - make_interval(mins => r) + make_interval(secs => i), now() - make_interval(mins => r) + make_interval(secs => i + 0.8),
       CASE WHEN i % 3 = 1 THEN 'gpt-4o' END, CASE WHEN i % 3 = 1 THEN 1200 END, CASE WHEN i % 3 = 1 THEN 360 END,
       CASE WHEN i % 3 = 1 THEN 0.0066 END,
       CASE WHEN i % 3 = 2 THEN (array['crm_lookup', 'refund', 'search', 'send_email'])[1 + i % 4] END,
       CASE WHEN i % 3 = 2 THEN jsonb_build_object('orderId', r, 'amount', i * 10, 'reason', 'customer asked') END,
       CASE WHEN i % 3 = 2 THEN jsonb_build_object('ok', true, 'items', jsonb_build_array('a', 'b', 'c')) END,
       CASE WHEN i % 3 = 0 AND i > 0 THEN jsonb_build_object('chosen', 'refund', 'rationale', 'policy allows it', 'alternatives', jsonb_build_array('deny', 'escalate'), 'confidence', 0.8) END,
       CASE WHEN i % 3 = 1 THEN jsonb_build_array(jsonb_build_object('role', 'assistant', 'content', repeat('The customer is eligible for a refund. ', 6))) END
     FROM generate_series(1, $1::int) r, generate_series(0, $2::int - 1) i`,
    [RUNS, STEPS_PER_RUN],
  );
  log(`  ${(RUNS * STEPS_PER_RUN).toLocaleString("en-US")} steps in ${Math.round(performance.now() - s)} ms`);
  // The big run: 5,000 steps, an AGENT root every 10 steps with 9 children.
  await client.query(
    `INSERT INTO "Run" (id, "traceId", name, "agentId", "teamId", status, "startedAt", "lastStepAt", "endedAt", "stepCount", "updatedAt")
     VALUES ('bigrun', md5('bigrun'), 'Big run', 'agent1', 'team2', 'SUCCEEDED', now() - interval '2 hours',
       now() - interval '2 hours' + make_interval(secs => $1::int * 0.5), now() - interval '2 hours' + make_interval(secs => $1::int * 0.5), $1::int, now())`,
    [BIG_RUN_STEPS],
  );
  await client.query(
    `INSERT INTO "Step" (id, "runId", "traceId", "spanId", "parentSpanId", kind, name, "startedAt", "endedAt", tool, model, "outputMessages")
     SELECT 'big-' || g, 'bigrun', md5('bigrun'), lpad(to_hex(g + 1), 16, '0'),
       CASE WHEN g % 10 = 0 THEN NULL ELSE lpad(to_hex(g - g % 10 + 1), 16, '0') END,
       (CASE WHEN g % 10 = 0 THEN 'AGENT' WHEN g % 3 = 0 THEN 'TOOL_CALL' WHEN g % 3 = 1 THEN 'LLM_CALL' ELSE 'DECISION' END)::"StepKind",
       'step ' || g, now() - interval '2 hours' + make_interval(secs => g * 0.5), now() - interval '2 hours' + make_interval(secs => g * 0.5 + 0.4),
       CASE WHEN g % 3 = 0 THEN 'tool_' || (g % 7) END, CASE WHEN g % 3 = 1 THEN 'gpt-4o-mini' END,
       CASE WHEN g % 3 = 1 THEN jsonb_build_array(jsonb_build_object('role', 'assistant', 'content', repeat('A long answer. ', 40))) END
     FROM generate_series(0, $1::int - 1) g`,
    [BIG_RUN_STEPS],
  );
  await client.query("ANALYZE");
  const { rows } = await client.query(`SELECT count(*)::int AS n FROM "Step"`);
  log(`  ${rows[0].n.toLocaleString("en-US")} steps in the database after ${Math.round((performance.now() - t) / 1000)} s`);
}

async function waitForHealth(app: ChildProcess) {
  for (let i = 0; i < 600; i++) {
    if (app.exitCode !== null) throw new Error("the server exited");
    try {
      const res = await fetch(`${BASE}/api/health`);
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error("the server did not become healthy");
}

/** Signs in through Auth.js's credentials callback; returns the Cookie header. */
async function signIn(email: string, password: string): Promise<string> {
  const csrf = await fetch(`${BASE}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const jar = new Map<string, string>();
  const keep = (res: Response) => {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const [name, ...value] = pair!.split("=");
      jar.set(name!, value.join("="));
    }
  };
  keep(csrf);
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
  const res = await fetch(`${BASE}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: cookie() },
    body: new URLSearchParams({ csrfToken, email, password, callbackUrl: BASE }),
  });
  keep(res);
  if (![...jar.keys()].some((k) => k.includes("session-token"))) throw new Error(`sign-in failed (${res.status})`);
  return cookie();
}

async function timeRequests(url: string, cookie: string, expect: string | null): Promise<ReturnType<typeof summarize>> {
  const samples: number[] = [];
  for (let i = 0; i < REQUESTS + 3; i++) {
    const t = performance.now();
    const res = await fetch(`${BASE}${url}`, { headers: { Cookie: cookie } });
    const body = await res.text();
    const ms = performance.now() - t;
    if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
    if (expect && !body.includes(expect)) throw new Error(`${url} did not contain ${JSON.stringify(expect)}`);
    if (i >= 3) samples.push(ms); // the first requests warm caches and JIT
  }
  return summarize(samples);
}

async function timeSql(client: pg.Client, sql: string, params: unknown[]) {
  const samples: number[] = [];
  for (let i = 0; i < REQUESTS + 3; i++) {
    const t = performance.now();
    await client.query(sql, params);
    if (i >= 3) samples.push(performance.now() - t);
  }
  return summarize(samples);
}

async function main() {
  if (await portIsOpen(APP_PORT)) throw new Error(`port ${APP_PORT} is busy; set TIMELINE_BENCH_PORT`);
  log(`PostgreSQL on ${PG_PORT} (${PG_DIR})`);
  const pgServer = await startEmbeddedPostgres({ dataDir: PG_DIR, port: PG_PORT });
  await ensureDatabase(pgServer.url("postgres"), "flightdeck_bench_timeline", { fresh: true });
  const url = pgServer.url("flightdeck_bench_timeline");
  await migrateDeploy(url, true);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  let app: ChildProcess | undefined;
  try {
    log("generating data…");
    await generate(client);

    log(`starting the production server on ${APP_PORT} (builds when the code changed)…`);
    app = spawn(process.execPath, [path.join(root, "node_modules/tsx/dist/cli.mjs"), "scripts/start.ts"], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: url, PORT: String(APP_PORT), AUTH_SECRET: "bench-only-secret-0123456789abcdefghijklmnop", AUTH_URL: BASE },
      stdio: ["ignore", "inherit", "inherit"],
      detached: true,
    });
    await waitForHealth(app);
    const cookie = await signIn("ops@flightdeck.local", "flightdeck-ops");
    log(`measuring, ${REQUESTS} requests each after 3 warm-up requests…`);

    const results: Record<string, ReturnType<typeof summarize>> = {};
    results["GET /api/health (baseline)"] = await timeRequests("/api/health", "", null);
    results["GET /runs"] = await timeRequests("/runs", cookie, "data-testid=\"run-row\"");
    results["GET /runs?flag=loop"] = await timeRequests("/runs?flag=loop", cookie, "data-testid=\"run-row\"");
    results["GET /runs?status=FAILED&sort=cost"] = await timeRequests("/runs?status=FAILED&sort=cost", cookie, "data-testid=\"run-row\"");
    results["GET /runs?q=upstream timeout"] = await timeRequests(`/runs?q=${encodeURIComponent("upstream timeout")}`, cookie, "data-testid=\"run-row\"");
    results["GET /runs/<5,000-step run>"] = await timeRequests("/runs/bigrun", cookie, "data-testid=\"waterfall\"");
    results["GET /runs/<50-step run>"] = await timeRequests("/runs/run123", cookie, "data-testid=\"waterfall\"");
    results["SQL: list page (50 newest runs + agent/team)"] = await timeSql(
      client,
      `SELECT r.*, a.name, t.name FROM "Run" r LEFT JOIN "Agent" a ON a.id = r."agentId" LEFT JOIN "Team" t ON t.id = r."teamId"
       ORDER BY r."startedAt" DESC, r.id ASC LIMIT 51`,
      [],
    );
    results["SQL: 5,000 steps of a run (timeline columns)"] = await timeSql(
      client,
      `SELECT id, "spanId", "parentSpanId", kind, name, status, "startedAt", "endedAt", tool, model, "flagLoop" FROM "Step" WHERE "runId" = $1 ORDER BY "startedAt", id`,
      ["bigrun"],
    );

    const table = Object.entries(results).map(([name, r]) => ({ name, ...r, p95xHealth: round(r.p95 / results["GET /api/health (baseline)"]!.p95) }));
    console.table(table);
    await writeFile(path.join(root, "bench/timeline/results.json"), JSON.stringify({ at: new Date().toISOString(), requests: REQUESTS, runs: RUNS + 1, steps: RUNS * STEPS_PER_RUN + BIG_RUN_STEPS, results: table }, null, 2) + "\n");
    log("wrote bench/timeline/results.json");
  } finally {
    if (app?.pid && app.exitCode === null) {
      // scripts/start.ts stops Next first, then its database; we own the process group.
      process.kill(-app.pid, "SIGTERM");
      await new Promise((r) => app!.once("exit", r));
    }
    await client.end();
    await pgServer.stop();
  }
}

main().catch((error: unknown) => {
  console.error("[bench] failed:", error);
  process.exit(1);
});
