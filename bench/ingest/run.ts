/**
 * Ingestion benchmark: `npm run bench:ingest [-- --seconds 20 --clients 4 --servers route,next]`.
 *
 * Starts its own embedded PostgreSQL (fresh database) and app servers on
 * ports of its own, then, in the same run and database, each for `--seconds`
 * of sustained load by `--clients` concurrent clients, batches of 1,000 GenAI
 * spans (50 runs of 20 spans):
 *   1. raw baseline: the same rows written with nothing else — per batch, one
 *      transaction with a raw `INSERT INTO "Run" … SELECT FROM unnest(…)` of its
 *      50 runs and `INSERT INTO "Step" … SELECT FROM unnest(…)` of its 1,000
 *      steps (every column ingestion writes, JSON already serialised), plain `pg`;
 *   2. endpoint: OTLP/protobuf POSTs to /api/otel/v1/traces (auth, decode, map,
 *      price, agents, runs, steps, totals, run analysis, spend rollup, ingestion ledger —
 *      the whole request), through the route handler on a plain Node HTTP
 *      server (`route`) and through `next start`, as users run it (`next`,
 *      needs a production build in NEXT_DIST_DIR);
 *   3. the raw baseline again (machine drift shows as a difference).
 * Every phase starts from empty Run/Step/SpendDaily tables. Prints spans/s,
 * the endpoint's share of the raw rate, p50/p99 request latency, load average.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { loadavg } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { newId } from "../../lib/ids";
import { mapSpan } from "../../lib/telemetry/mapping";
import { decodeOtlpProtobuf } from "../../lib/telemetry/otlp";
import type { StepDraft } from "../../lib/telemetry/types";
import { startEmbeddedPostgres } from "../../scripts/lib/embedded-postgres";
import { batchTemplate, type BatchTemplate } from "./spans";
import { serverNodeOptions } from "../../scripts/lib/server-node-options";
import { freshBenchDatabase, waitForPort, stopChild } from "../lib/harness";

const { values: args } = parseArgs({
  options: {
    seconds: { type: "string", default: "20" },
    clients: { type: "string", default: "4" },
    runs: { type: "string", default: "50" },
    servers: { type: "string", default: "route,next" },
    templates: { type: "string", default: "16" },
  },
});
const SECONDS = Number(args.seconds);
const CLIENTS = Number(args.clients);
const RUNS_PER_BATCH = Number(args.runs);
const SERVERS = args.servers.split(",").map((s) => s.trim()).filter(Boolean);
const PG_PORT = Number(process.env.BENCH_PG_PORT ?? 54371);
const PG_DIR = process.env.BENCH_PG_DIR ?? ".data/bench-pg";
const APP_PORT = Number(process.env.BENCH_PORT ?? 3391);
const root = process.cwd();
const log = (line: string) => console.log(`[bench] ${line}`);
const load = () => loadavg()[0]!.toFixed(1);

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

interface Phase {
  label: string;
  spans: number;
  seconds: number;
  latencies: number[];
  load: string;
}

/** `clients` workers call `work(i)` until `seconds` have passed; returns the spans done and per-call latencies. */
async function sustained(label: string, clients: number, seconds: number, spansPerCall: number, work: (i: number, client: number) => Promise<void>): Promise<Phase> {
  let next = 0;
  let done = 0;
  const latencies: number[] = [];
  const loadBefore = load();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      while (performance.now() < deadline) {
        const i = next++;
        const t = performance.now();
        await work(i, client);
        latencies.push(performance.now() - t);
        done++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  return { label, spans: done * spansPerCall, seconds: elapsed, latencies: latencies.sort((a, b) => a - b), load: `${loadBefore}→${load()}` };
}

/** A batch's rows as the raw insert writes them: built once per template; ids are fresh per call. */
interface RawBatch {
  traceIndex: number[];
  runTraces: number;
  steps: StepDraft[];
  columns: unknown[][];
}

function rawBatch(template: BatchTemplate): RawBatch {
  const steps = decodeOtlpProtobuf(template.bytes).map((s) => {
    const m = mapSpan(s);
    if (!m.ok) throw new Error(m.message);
    return m.step;
  });
  const traces = [...new Set(steps.map((s) => s.traceId))];
  const json = (v: unknown) => (v === null ? null : JSON.stringify(v));
  const col = <T>(f: (s: StepDraft) => T) => steps.map(f);
  return {
    traceIndex: steps.map((s) => traces.indexOf(s.traceId)),
    runTraces: traces.length,
    steps,
    // Columns 5.. of the step insert (ids, run ids, trace/span/parent ids are per call).
    columns: [
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
      col((s) => (s.kind === "LLM_CALL" ? "0.001234000" : null)),
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
      col(() => 0),
    ],
  };
}

/** The raw insert of one batch: its runs and its steps, one transaction, nothing else. */
async function rawInsert(client: pg.Client, batch: RawBatch) {
  const runIds = Array.from({ length: batch.runTraces }, () => newId());
  const traceIds = Array.from({ length: batch.runTraces }, () => randomBytes(16).toString("hex"));
  const now = new Date().toISOString();
  const spanIds = new Map<string, string>();
  const span = (old: string) => {
    let id = spanIds.get(old);
    if (!id) spanIds.set(old, (id = randomBytes(8).toString("hex")));
    return id;
  };
  await client.query("BEGIN");
  await client.query(
    `INSERT INTO "Run" (id, "traceId", "startedAt", "lastStepAt", "updatedAt")
     SELECT id, t, $3::timestamp(3), $3::timestamp(3), now() FROM unnest($1::text[], $2::text[]) AS x(id, t)`,
    [runIds, traceIds, now],
  );
  await client.query(
    `INSERT INTO "Step" (id, "runId", "traceId", "spanId", "parentSpanId", kind, name, status, error, "startedAt", "endedAt", model,
       provider, "inputTokens", "outputTokens", "cachedInputTokens", "costUsd", unpriced, "promptName", "promptVersion", tool,
       arguments, result, decision, "inputMessages", "outputMessages", attributes, redactions)
     SELECT id, "runId", "traceId", "spanId", "parentSpanId", kind::"StepKind", name, status::"StepStatus", error, "startedAt", "endedAt",
       model, provider, it, ot, ct, cost, unpriced, pn, pv, tool, args, res, dec, im, om, attrs, red
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
       $10::timestamp(3)[], $11::timestamp(3)[], $12::text[], $13::text[], $14::int4[], $15::int4[], $16::int4[], $17::numeric[],
       $18::bool[], $19::text[], $20::int4[], $21::text[], $22::jsonb[], $23::jsonb[], $24::jsonb[], $25::jsonb[], $26::jsonb[], $27::jsonb[],
       $28::int4[])
       AS t(id, "runId", "traceId", "spanId", "parentSpanId", kind, name, status, error, "startedAt", "endedAt", model, provider,
            it, ot, ct, cost, unpriced, pn, pv, tool, args, res, dec, im, om, attrs, red)
     ON CONFLICT ("traceId", "spanId") DO NOTHING`,
    [
      batch.steps.map(() => newId()),
      batch.traceIndex.map((t) => runIds[t]),
      batch.traceIndex.map((t) => traceIds[t]),
      batch.steps.map((s) => span(s.spanId)),
      batch.steps.map((s) => (s.parentSpanId ? span(s.parentSpanId) : null)),
      ...batch.columns,
    ],
  );
  await client.query("COMMIT");
}

async function main() {
  log(`PostgreSQL on port ${PG_PORT} (${PG_DIR}); app on port ${APP_PORT}; ${SECONDS} s per phase, ${RUNS_PER_BATCH * 20}-span batches, ${CLIENTS} clients; load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
  const pgServer = await startEmbeddedPostgres({ dataDir: PG_DIR, port: PG_PORT });
  let app: ChildProcess | undefined;
  try {
    const { url, key, admin } = await freshBenchDatabase(pgServer, "flightdeck_bench");
    await admin.query(
      `INSERT INTO "ModelPrice" (id, model, "matchPattern", "inputPerMillion", "outputPerMillion", "cachedInputPerMillion", "effectiveFrom")
       SELECT * FROM unnest($1::text[], $2::text[], $2::text[], $3::numeric[], $4::numeric[], $5::numeric[], $6::timestamp[])`,
      [[newId(), newId(), newId()], ["gpt-4o-mini", "gpt-4o", "claude-sonnet-4"], [0.15, 2.5, 3], [0.6, 10, 15], [0.075, 1.25, 0.3], ["2024-01-01", "2024-01-01", "2024-01-01"]],
    );
    const empty = () => admin.query(`TRUNCATE "Step", "Run", "SpendDaily", "Evaluation" CASCADE`);

    log("generating batch templates (not timed)…");
    const templates = Array.from({ length: Number(args.templates) }, () => batchTemplate(RUNS_PER_BATCH));
    const spansPerBatch = templates[0]!.spans;
    const bodyKb = Math.round(templates[0]!.bytes.byteLength / 1024);
    const rawBatches = templates.map(rawBatch);

    const baseline = async (label: string) => {
      await empty();
      const clients = await Promise.all(
        Array.from({ length: CLIENTS }, async () => {
          const c = new pg.Client({ connectionString: url });
          await c.connect();
          return c;
        }),
      );
      log(`${label}: raw unnest insert for ${SECONDS} s…`);
      const phase = await sustained(label, CLIENTS, SECONDS, spansPerBatch, (i, c) => rawInsert(clients[c]!, rawBatches[i % rawBatches.length]!));
      await Promise.all(clients.map((c) => c.end()));
      return phase;
    };

    const endpoint = async (server: string): Promise<Phase & { stored: string }> => {
      await empty();
      // The server runs with npm start's NODE_OPTIONS, so the figures are what users get.
      const env = {
        ...process.env,
        DATABASE_URL: url,
        PORT: String(APP_PORT),
        NODE_ENV: "production" as const,
        DATABASE_POOL_MAX: String(Math.max(10, CLIENTS * 2)),
        NODE_OPTIONS: serverNodeOptions(),
      };
      if (server === "next") {
        app = spawn(process.execPath, [path.join(root, "node_modules/next/dist/bin/next"), "start", "-p", String(APP_PORT), "-H", "127.0.0.1"], {
          env: { ...env, AUTH_SECRET: "bench-only-secret-0123456789abcdefghijklmnop", NEXT_TELEMETRY_DISABLED: "1" },
          stdio: ["ignore", "ignore", "inherit"],
        });
      } else {
        // BENCH_CPU_PROF=<dir>: a V8 CPU profile of the route-handler server (written when it stops).
        const profile = process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
        app = spawn(process.execPath, [...profile, "--conditions=react-server", "--import", "tsx", path.join(root, "bench/ingest/server.ts")], {
          env,
          stdio: ["ignore", "ignore", "inherit"],
        });
      }
      await waitForPort(APP_PORT, app);
      const target = `http://127.0.0.1:${APP_PORT}/api/otel/v1/traces`;
      const send = async (body: Uint8Array) => {
        const res = await fetch(target, { method: "POST", headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/x-protobuf" }, body: body as BodyInit });
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`endpoint answered ${res.status}`);
      };
      log(`${server}: warming up (${CLIENTS * 2} batches, not timed)…`);
      for (let i = 0; i < CLIENTS * 2; i++) await send(templates[i % templates.length]!.fresh());
      const warm = CLIENTS * 2 * spansPerBatch;
      log(`${server}: OTLP/protobuf POSTs for ${SECONDS} s…`);
      const label = `POST /api/otel/v1/traces (${server === "next" ? "next start" : "route handler"})`;
      const phase = await sustained(label, CLIENTS, SECONDS, spansPerBatch, (i) => send(templates[i % templates.length]!.fresh()));
      await stopChild(app);
      app = undefined;
      const stored = await admin.query<{ steps: string; runs: string; spend: string; llm: string }>(
        `SELECT (SELECT count(*) FROM "Step") AS steps, (SELECT count(*) FROM "Run" WHERE name IS NOT NULL AND "stepCount" = 20) AS runs,
                (SELECT sum(calls) FROM "SpendDaily") AS spend, (SELECT count(*) FROM "Step" WHERE kind = 'LLM_CALL') AS llm`,
      );
      const r = stored.rows[0]!;
      const expected = phase.spans + warm;
      const ok = Number(r.steps) === expected && Number(r.runs) === expected / 20 && r.spend === r.llm;
      return { ...phase, stored: `${r.steps} steps in ${r.runs} complete runs (expected ${expected} in ${expected / 20}); ${r.spend} LLM calls in the spend rollup (${r.llm} stored)${ok ? "" : " — MISMATCH"}` };
    };

    const phases: Phase[] = [];
    const notes: string[] = [];
    phases.push(await baseline("raw unnest INSERT (before)"));
    for (const server of SERVERS) {
      if (server === "next" && !existsSync(path.join(root, process.env.NEXT_DIST_DIR || ".next", "BUILD_ID"))) {
        notes.push(`next start skipped: no production build in ${process.env.NEXT_DIST_DIR || ".next"} (npm run build, or set NEXT_DIST_DIR)`);
        continue;
      }
      const phase = await endpoint(server);
      notes.push(`${phase.label}: stored ${phase.stored}`);
      phases.push(phase);
    }
    phases.push(await baseline("raw unnest INSERT (after)"));
    await admin.end();

    const rate = (p: Phase) => p.spans / p.seconds;
    const raws = phases.filter((p) => p.label.startsWith("raw"));
    const rawRate = raws.reduce((sum, p) => sum + rate(p), 0) / raws.length;
    const row = (cells: string[]) => `| ${cells.join(" | ")} |`;
    const table = [
      row(["path", "spans", "seconds", "spans/s", "% of raw (mean)", "p50 ms", "p99 ms", "load avg"]),
      row(["---", "---:", "---:", "---:", "---:", "---:", "---:", "---:"]),
      ...phases.map((p) =>
        row([
          p.label,
          String(p.spans),
          p.seconds.toFixed(1),
          Math.round(rate(p)).toLocaleString("en-US"),
          `${Math.round((rate(p) / rawRate) * 100)}%`,
          percentile(p.latencies, 50).toFixed(0),
          percentile(p.latencies, 99).toFixed(0),
          p.load,
        ]),
      ),
    ];
    console.log(`\n${spansPerBatch}-span batches (${bodyKb} KB protobuf each), ${CLIENTS} concurrent clients, ${SECONDS} s per phase\n`);
    console.log(table.join("\n"));
    console.log("");
    for (const note of notes) console.log(note);
    for (const p of phases.filter((x) => !x.label.startsWith("raw"))) {
      const met = rate(p) >= 20_000 && rate(p) / rawRate >= 0.4;
      console.log(`target for ${p.label} (≥ 20,000 spans/s and ≥ 40% of raw): ${met ? "met" : "NOT met"}`);
    }
  } finally {
    await stopChild(app);
    if (pgServer.owned) await pgServer.stop();
  }
}

main().catch((error: unknown) => {
  console.error("[bench] failed:", error);
  process.exit(1);
});
