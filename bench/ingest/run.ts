/**
 * Ingestion benchmark: `npm run bench:ingest [-- --batches 120 --clients 4 --next]`.
 *
 * Starts its own embedded PostgreSQL (fresh database) and app server on ports
 * of its own, then, in the same run and database:
 *   1. baseline: a raw `INSERT INTO "Step" … SELECT FROM unnest(…)` of the
 *      mapped rows, batches of 1,000, the same number of concurrent clients;
 *   2. endpoint: OTLP/protobuf batches of 1,000 GenAI spans POSTed to
 *      /api/otel/v1/traces (auth, decode, map, price, runs, totals, spend
 *      rollup, run analysis, audit — the whole request) by concurrent clients.
 * Prints spans/s, the endpoint's share of the raw rate and request latency.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { generateApiKey, hashApiKey } from "../../lib/api-keys/keys";
import { newId } from "../../lib/telemetry/ids";
import { mapSpan } from "../../lib/telemetry/mapping";
import { decodeOtlpProtobuf } from "../../lib/telemetry/otlp";
import type { StepDraft } from "../../lib/telemetry/types";
import { ensureDatabase, portIsOpen, startEmbeddedPostgres } from "../../scripts/lib/embedded-postgres";
import { migrateDeploy } from "../../scripts/lib/prisma-cli";
import { encodeBatch, spanBatch } from "./spans";

const { values: args } = parseArgs({
  options: {
    batches: { type: "string", default: "120" },
    clients: { type: "string", default: "4" },
    runs: { type: "string", default: "50" },
    next: { type: "boolean", default: false },
  },
});
const BATCHES = Number(args.batches);
const CLIENTS = Number(args.clients);
const RUNS_PER_BATCH = Number(args.runs);
const PG_PORT = Number(process.env.BENCH_PG_PORT ?? 54371);
const PG_DIR = process.env.BENCH_PG_DIR ?? ".data/bench-pg";
const APP_PORT = Number(process.env.BENCH_PORT ?? 3391);
const root = process.cwd();
const log = (line: string) => console.log(`[bench] ${line}`);

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Runs `work(i)` for i in [0, n) on `clients` concurrent workers; returns wall time and per-item latencies. */
async function concurrently(n: number, clients: number, work: (i: number, client: number) => Promise<void>) {
  let next = 0;
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      for (let i = next++; i < n; i = next++) {
        const t = performance.now();
        await work(i, client);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { seconds: (performance.now() - started) / 1000, latencies: latencies.sort((a, b) => a - b) };
}

function mapped(body: Uint8Array): StepDraft[] {
  return decodeOtlpProtobuf(body).map((s) => {
    const m = mapSpan(s);
    if (!m.ok) throw new Error(m.message);
    return m.step;
  });
}

/** The raw insert: the same columns the ingestion path writes, nothing else. */
async function rawInsert(client: pg.Client, steps: StepDraft[], runIds: Map<string, string>) {
  const col = <T>(f: (s: StepDraft) => T) => steps.map(f);
  const json = (v: unknown) => (v === null ? null : JSON.stringify(v));
  await client.query(
    `INSERT INTO "Step" (id, "runId", "traceId", "spanId", "parentSpanId", kind, name, status, error, "startedAt", "endedAt", model,
       provider, "inputTokens", "outputTokens", "cachedInputTokens", "costUsd", unpriced, "promptName", "promptVersion", tool,
       arguments, result, decision, "inputMessages", "outputMessages", attributes)
     SELECT id, "runId", "traceId", "spanId", "parentSpanId", kind::"StepKind", name, status::"StepStatus", error, "startedAt", "endedAt",
       model, provider, it, ot, ct, cost, unpriced, pn, pv, tool, args, res, dec, im, om, attrs
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
       $10::timestamp(3)[], $11::timestamp(3)[], $12::text[], $13::text[], $14::int4[], $15::int4[], $16::int4[], $17::numeric[],
       $18::bool[], $19::text[], $20::int4[], $21::text[], $22::jsonb[], $23::jsonb[], $24::jsonb[], $25::jsonb[], $26::jsonb[], $27::jsonb[])
       AS t(id, "runId", "traceId", "spanId", "parentSpanId", kind, name, status, error, "startedAt", "endedAt", model, provider,
            it, ot, ct, cost, unpriced, pn, pv, tool, args, res, dec, im, om, attrs)
     ON CONFLICT ("traceId", "spanId") DO NOTHING`,
    [
      col(() => newId()),
      col((s) => runIds.get(s.traceId)),
      col((s) => s.traceId),
      col((s) => s.spanId),
      col((s) => s.parentSpanId),
      col((s) => s.kind),
      col((s) => s.name),
      col((s) => s.status),
      col((s) => s.error),
      col((s) => s.startedAt.toISOString()),
      col((s) => s.endedAt?.toISOString() ?? null),
      col((s) => s.model),
      col((s) => s.provider),
      col((s) => s.inputTokens),
      col((s) => s.outputTokens),
      col((s) => s.cachedInputTokens),
      col((s) => (s.kind === "LLM_CALL" ? "0.001" : null)),
      col(() => false),
      col((s) => s.promptName),
      col((s) => s.promptVersion),
      col((s) => s.tool),
      col((s) => json(s.arguments)),
      col((s) => json(s.result)),
      col((s) => json(s.decision)),
      col((s) => json(s.inputMessages)),
      col((s) => json(s.outputMessages)),
      col((s) => JSON.stringify(s.attributes)),
    ],
  );
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the app server exited (${child.exitCode})`);
    if (await portIsOpen(port)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the app server did not listen on ${port}`);
}

async function main() {
  log(`PostgreSQL on port ${PG_PORT} (${PG_DIR}); app on port ${APP_PORT}; ${BATCHES} batches × ${RUNS_PER_BATCH * 20} spans, ${CLIENTS} clients`);
  const pgServer = await startEmbeddedPostgres({ dataDir: PG_DIR, port: PG_PORT });
  let app: ChildProcess | undefined;
  try {
    await ensureDatabase(pgServer.url("postgres"), "flightdeck_bench", { fresh: true });
    const url = pgServer.url("flightdeck_bench");
    await migrateDeploy(url, true);

    const key = generateApiKey();
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`INSERT INTO "ApiKey" (id, name, prefix, hash, scopes) VALUES ($1, 'bench', $2, $3, '{ingest}')`, [newId(), key.slice(0, 9), hashApiKey(key)]);
    await admin.query(
      `INSERT INTO "ModelPrice" (id, model, "matchPattern", "inputPerMillion", "outputPerMillion", "cachedInputPerMillion", "effectiveFrom")
       SELECT * FROM unnest($1::text[], $2::text[], $2::text[], $3::numeric[], $4::numeric[], $5::numeric[], $6::timestamp[])`,
      [[newId(), newId(), newId()], ["gpt-4o-mini", "gpt-4o", "claude-sonnet-4"], [0.15, 2.5, 3], [0.6, 10, 15], [0.075, 1.25, 0.3], ["2024-01-01", "2024-01-01", "2024-01-01"]],
    );

    log("generating and encoding batches (not timed)…");
    const endpointBodies = Array.from({ length: BATCHES + 2 }, () => encodeBatch(spanBatch(RUNS_PER_BATCH)));
    const baselineSteps = Array.from({ length: BATCHES }, () => mapped(encodeBatch(spanBatch(RUNS_PER_BATCH))));
    const spansPerBatch = baselineSteps[0]!.length;
    const bodyKb = Math.round(endpointBodies[0]!.byteLength / 1024);

    // Baseline: runs exist beforehand (not timed), so only the step rows are written.
    const runIds = new Map<string, string>();
    const traces = [...new Set(baselineSteps.flat().map((s) => s.traceId))];
    for (const t of traces) runIds.set(t, newId());
    await admin.query(
      `INSERT INTO "Run" (id, "traceId", "startedAt", "lastStepAt", "updatedAt") SELECT id, t, now(), now(), now() FROM unnest($1::text[], $2::text[]) AS x(id, t)`,
      [traces.map((t) => runIds.get(t)), traces],
    );
    const clients = await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        const c = new pg.Client({ connectionString: url });
        await c.connect();
        return c;
      }),
    );
    log("baseline: raw unnest insert…");
    const baseline = await concurrently(BATCHES, CLIENTS, (i, c) => rawInsert(clients[c]!, baselineSteps[i]!, runIds));
    await Promise.all(clients.map((c) => c.end()));

    log(args.next ? "starting next start…" : "starting the app server (route handler on Node http)…");
    const env = { ...process.env, DATABASE_URL: url, PORT: String(APP_PORT), NODE_ENV: "production" as const, DATABASE_POOL_MAX: String(Math.max(10, CLIENTS * 2)) };
    if (args.next) {
      const distDir = process.env.NEXT_DIST_DIR || ".next";
      if (!existsSync(path.join(root, distDir, "BUILD_ID"))) throw new Error(`--next needs a production build in ${distDir} (npm run build)`);
      app = spawn(process.execPath, [path.join(root, "node_modules/next/dist/bin/next"), "start", "-p", String(APP_PORT)], {
        env: { ...env, AUTH_SECRET: "bench-only-secret-0123456789abcdefghijklmnop", NEXT_TELEMETRY_DISABLED: "1" },
        stdio: ["ignore", "ignore", "inherit"],
      });
    } else {
      app = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", path.join(root, "bench/ingest/server.ts")], { env, stdio: ["ignore", "ignore", "inherit"] });
    }
    await waitForPort(APP_PORT, app);
    const endpoint = `http://127.0.0.1:${APP_PORT}/api/otel/v1/traces`;
    const send = async (body: Uint8Array) => {
      const res = await fetch(endpoint, { method: "POST", headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/x-protobuf" }, body: body as BodyInit });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`endpoint answered ${res.status}`);
    };
    log("warming up (2 batches, not timed)…");
    await send(endpointBodies[0]!);
    await send(endpointBodies[1]!);
    log("endpoint: OTLP/protobuf POSTs…");
    const endpointRun = await concurrently(BATCHES, CLIENTS, (i) => send(endpointBodies[i + 2]!));

    const stored = await admin.query<{ steps: string; runs: string; spend: string }>(
      `SELECT (SELECT count(*) FROM "Step" s JOIN "Run" r ON r.id = s."runId" WHERE r.name IS NOT NULL) AS steps,
              (SELECT count(*) FROM "Run" WHERE name IS NOT NULL) AS runs, (SELECT sum(calls) FROM "SpendDaily") AS spend`,
    );
    await admin.end();

    const total = BATCHES * spansPerBatch;
    const rawRate = total / baseline.seconds;
    const endpointRate = total / endpointRun.seconds;
    const row = (cells: string[]) => `| ${cells.join(" | ")} |`;
    const table = [
      row(["path", "spans", "seconds", "spans/s", "% of raw", "p50 ms", "p99 ms"]),
      row(["---", "---:", "---:", "---:", "---:", "---:", "---:"]),
      row(["raw unnest INSERT (baseline)", String(total), baseline.seconds.toFixed(2), Math.round(rawRate).toLocaleString("en-US"), "100%", percentile(baseline.latencies, 50).toFixed(0), percentile(baseline.latencies, 99).toFixed(0)]),
      row([
        `POST /api/otel/v1/traces (${args.next ? "next start" : "route handler"})`,
        String(total),
        endpointRun.seconds.toFixed(2),
        Math.round(endpointRate).toLocaleString("en-US"),
        `${Math.round((endpointRate / rawRate) * 100)}%`,
        percentile(endpointRun.latencies, 50).toFixed(0),
        percentile(endpointRun.latencies, 99).toFixed(0),
      ]),
    ];
    console.log(`\n${BATCHES} batches × ${spansPerBatch} spans (${bodyKb} KB protobuf each), ${CLIENTS} concurrent clients\n`);
    console.log(table.join("\n"));
    console.log(`\nstored by the endpoint: ${stored.rows[0]?.steps} steps in ${stored.rows[0]?.runs} runs (expected ${total + 2 * spansPerBatch} in ${(BATCHES + 2) * RUNS_PER_BATCH}); LLM calls in the spend rollup: ${stored.rows[0]?.spend}`);
    const target = endpointRate >= 20_000 && endpointRate / rawRate >= 0.4;
    console.log(`target (≥ 20,000 spans/s and ≥ 40% of raw): ${target ? "met" : "NOT met"}`);
  } finally {
    if (app && app.exitCode === null) {
      const exited = new Promise((r) => app!.once("exit", r));
      app.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (app.exitCode === null) app.kill("SIGKILL");
    }
    if (pgServer.owned) await pgServer.stop();
  }
}

main().catch((error: unknown) => {
  console.error("[bench] failed:", error);
  process.exit(1);
});
