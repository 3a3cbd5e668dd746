/**
 * Breaker benchmark (issue 12 item 7): `npm run bench:breakers [-- --trips 100 --seconds 20 --pairs 3 --clients 4]`.
 *
 * 1. Trip latency: `--trips` agents, each with one enforced breaker "tool error
 *    rate above 50 % over the last 10 calls, at least 5". For each, one native
 *    ingest request with 6 failing tool calls of that agent; from its 200 (the
 *    spans acknowledged) the agent's own view, `GET /api/v1/agents/{name}/status`,
 *    is read until it says tripped. p50/p99 of acknowledged → read tripped.
 *    Target: p99 < 1 s.
 * 2. Ingestion throughput with ten breakers per agent against none, in the
 *    same run: OTLP/protobuf batches of 1,000 spans (bench/ingest/spans.ts: 4
 *    agents, chat and tool calls, some failing) from `--clients` connections
 *    for `--seconds`, alternating none / ten breakers per agent (observe mode,
 *    thresholds the traffic never reaches, so every batch is evaluated and
 *    nothing fires) for `--pairs` pairs. Target: at most 10 % slower.
 *
 * One command does everything: its own embedded PostgreSQL (`BENCH_PG_PORT`,
 * 54880; `BENCH_PG_DIR`, .data/bench-pg-breakers; database recreated and
 * migrated every run), keys written with SQL, breakers through the API, its
 * own production build (`NEXT_DIST_DIR`, default .next-bench-breakers; rebuilt
 * only when the sources changed) served by `next start` on `BENCH_PORT` (3880).
 * Prints a markdown table, writes bench/breakers/results.json.
 */
import { execFileSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import http from "node:http";
import { cpus, loadavg, totalmem } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { generateApiKey, hashApiKey } from "../../lib/api-keys/keys";
import { newId } from "../../lib/ids";
import { startEmbeddedPostgres } from "../../scripts/lib/embedded-postgres";
import { batchTemplate } from "../ingest/spans";
import { ensureNextBuild, freshBenchDatabase, startNextServer, stopChild } from "../lib/harness";

const { values: args } = parseArgs({
  options: {
    trips: { type: "string", default: "100" },
    seconds: { type: "string", default: "20" },
    pairs: { type: "string", default: "3" },
    clients: { type: "string", default: "4" },
  },
});
const TRIPS = Number(args.trips);
const SECONDS = Number(args.seconds);
const PAIRS = Number(args.pairs);
const CLIENTS = Number(args.clients);
const PG_PORT = Number(process.env.BENCH_PG_PORT ?? 54880);
const PG_DIR = process.env.BENCH_PG_DIR ?? ".data/bench-pg-breakers";
const PORT = Number(process.env.BENCH_PORT ?? 3880);
const DIST_DIR = process.env.NEXT_DIST_DIR || ".next-bench-breakers";
const TARGET_TRIP_P99_MS = 1000;
const TARGET_SLOWDOWN = 0.1;
/** The agents of bench/ingest/spans.ts. */
const TRAFFIC_AGENTS = ["invoice-reconciler", "supplier-negotiator", "ticket-router", "kpi-monitor"];
const root = process.cwd();
const log = (line: string) => console.log(`[bench] ${line}`);
const hex = (n: number) => randomBytes(n).toString("hex");

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** One request; one that fails with ECONNRESET on a reused keep-alive connection (closed by the server as it went out) is sent again. */
async function call(method: string, urlPath: string, key: string, body?: unknown, contentType = "application/json"): Promise<Answer> {
  try {
    return await request(method, urlPath, key, body, contentType);
  } catch (error) {
    if ((error as { reused?: boolean }).reused) return request(method, urlPath, key, body, contentType);
    throw error;
  }
}

function request(method: string, urlPath: string, key: string, body: unknown, contentType: string): Promise<Answer> {
  const payload = body === undefined ? undefined : body instanceof Uint8Array ? Buffer.from(body) : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: "127.0.0.1", port: PORT, method, path: urlPath, agent, timeout: 60_000, headers: { Authorization: `Bearer ${key}`, ...(payload ? { "Content-Type": contentType, "Content-Length": payload.length } : {}) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString();
          let parsed: Record<string, unknown> = {};
          try {
            parsed = text && contentType === "application/json" ? (JSON.parse(text) as Record<string, unknown>) : {};
          } catch {
            parsed = { text: text.slice(0, 200) };
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${method} ${urlPath} timed out`)));
    req.on("error", (error: NodeJS.ErrnoException) => reject(Object.assign(error, { reused: req.reusedSocket && error.code === "ECONNRESET" })));
    req.end(payload);
  });
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function stats(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  const r = (n: number) => Math.round(n * 10) / 10;
  return { n: s.length, p50: r(percentile(s, 50)), p95: r(percentile(s, 95)), p99: r(percentile(s, 99)), max: r(s[s.length - 1] ?? NaN) };
}

const toolCalls = (agentName: string, count: number, failing: boolean) => {
  const traceId = hex(16);
  const at = Date.now() - 5_000;
  return Array.from({ length: count }, (_, i) => ({
    traceId,
    spanId: hex(8),
    kind: "tool_call",
    name: "erp.lookup_invoice",
    tool: "erp.lookup_invoice",
    arguments: { invoice: `B-${i}` },
    startedAt: new Date(at + i * 10).toISOString(),
    endedAt: new Date(at + i * 10 + 5).toISOString(),
    agent: agentName,
    team: "bench",
    ...(failing ? { status: "failed", error: "ERP timeout" } : {}),
  }));
};

async function ingest(key: string, steps: unknown[]): Promise<void> {
  const answer = await call("POST", "/api/v1/ingest", key, { steps });
  if (answer.status !== 200) throw new Error(`ingest: ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
}

async function seedKeys(url: string): Promise<{ ingest: string; control: string }> {
  const pg = (await import("pg")).default;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const keys = { ingest: generateApiKey(), control: generateApiKey() };
    for (const [name, key, scopes] of [
      ["bench-ingest", keys.ingest, "{ingest}"],
      ["bench-control", keys.control, "{admin}"],
    ] as const) {
      await client.query(`INSERT INTO "ApiKey" (id, name, prefix, hash, scopes) VALUES ($1, $2, $3, $4, $5)`, [newId(), name, key.slice(0, 9), hashApiKey(key), scopes]);
    }
    return keys;
  } finally {
    await client.end();
  }
}

async function createBreaker(key: string, agentName: string, body: Record<string, unknown>): Promise<string> {
  const answer = await call("POST", `/api/v1/agents/${encodeURIComponent(agentName)}/breakers`, key, body);
  if (answer.status !== 201) throw new Error(`breaker for ${agentName}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
  const id = (answer.body.id ?? (answer.body.breaker as { id?: string } | undefined)?.id) as string | undefined;
  if (!id) throw new Error(`breaker for ${agentName}: no id in ${JSON.stringify(answer.body).slice(0, 300)}`);
  return id;
}

/** Ten breakers the bench traffic never trips: two of each condition, observe mode. */
const QUIET_BREAKERS: Record<string, unknown>[] = [
  { condition: "tool_error_rate", params: { thresholdPct: 99, window: 200, minSample: 100 } },
  { condition: "tool_error_rate", params: { thresholdPct: 98, window: 50, minSample: 50 } },
  { condition: "loops", params: { runs: 1000, windowMinutes: 10 } },
  { condition: "loops", params: { runs: 900, windowMinutes: 60 } },
  { condition: "spend_hour", params: { limitUsd: 1_000_000 } },
  { condition: "spend_hour", params: { limitUsd: 900_000 } },
  { condition: "escalations_rejected", params: { count: 100 } },
  { condition: "escalations_rejected", params: { count: 90 } },
  { condition: "run_duration", params: { maxMinutes: 10_000 } },
  { condition: "run_duration", params: { maxMinutes: 9_000 } },
];

async function tripLatency(keys: { ingest: string; control: string }): Promise<number[]> {
  const names = Array.from({ length: TRIPS }, (_, i) => `bench-trip-${i}`);
  // Each agent first appears through one successful call, then gets its enforced breaker.
  for (let i = 0; i < names.length; i += 50) await ingest(keys.ingest, names.slice(i, i + 50).flatMap((n) => toolCalls(n, 1, false)));
  for (const name of names) {
    await createBreaker(keys.control, name, { name: "tool errors", condition: "tool_error_rate", params: { thresholdPct: 50, window: 10, minSample: 5 }, mode: "enforce", coolDownMinutes: 15 });
  }
  const latencies: number[] = [];
  for (const name of names) {
    await ingest(keys.ingest, toolCalls(name, 6, true));
    const acknowledged = performance.now();
    for (let reads = 0; ; reads++) {
      const status = await call("GET", `/api/v1/agents/${encodeURIComponent(name)}/status`, keys.control);
      if (status.status !== 200) throw new Error(`status of ${name}: ${status.status}`);
      if (status.body.status === "tripped") {
        latencies.push(performance.now() - acknowledged);
        break;
      }
      if (performance.now() - acknowledged > 10_000) throw new Error(`${name} did not trip within 10 s (status ${String(status.body.status)})`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  return latencies;
}

async function throughputPhase(key: string, templates: ReturnType<typeof batchTemplate>[]): Promise<number> {
  const spansPerBatch = 1_000;
  const deadline = performance.now() + SECONDS * 1000;
  let batches = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, c) => {
      for (let i = c; performance.now() < deadline; i += CLIENTS) {
        const answer = await call("POST", "/api/otel/v1/traces", key, templates[i % templates.length]!.fresh(), "application/x-protobuf");
        if (answer.status !== 200) throw new Error(`OTLP: ${answer.status}`);
        batches++;
      }
    }),
  );
  return (batches * spansPerBatch) / ((performance.now() - started) / 1000);
}

function git(...a: string[]): string {
  try {
    return execFileSync("git", a, { cwd: root, encoding: "utf8" }).trim();
  } catch {
    return "";
  }
}

async function main() {
  log(`PostgreSQL on ${PG_PORT} (${PG_DIR}); next start on ${PORT} (${DIST_DIR}); ${TRIPS} trips; ${PAIRS} pairs of ${SECONDS} s with ${CLIENTS} clients; load ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
  const pgServer = await startEmbeddedPostgres({ dataDir: PG_DIR, port: PG_PORT });
  let app: ChildProcess | undefined;
  try {
    const { url, admin } = await freshBenchDatabase(pgServer, "flightdeck_bench_breakers");
    await admin.end();
    const keys = await seedKeys(url);
    const build = await ensureNextBuild(DIST_DIR, log);
    app = await startNextServer({ port: PORT, databaseUrl: url, distDir: DIST_DIR, env: { ...process.env, DATABASE_POOL_MAX: "20" } });

    log("trip latency…");
    const loadBefore = loadavg()[0]!.toFixed(1);
    const trips = stats(await tripLatency(keys));
    log(`trips: p50 ${trips.p50} ms, p99 ${trips.p99} ms`);

    const templates = Array.from({ length: 8 }, () => batchTemplate(50));
    log("warming up ingestion…");
    for (let i = 0; i < 8; i++) await call("POST", "/api/otel/v1/traces", keys.ingest, templates[i]!.fresh(), "application/x-protobuf");
    const breakerIds: { agent: string; id: string }[] = [];
    const rates = { none: [] as number[], ten: [] as number[] };
    for (let pair = 0; pair < PAIRS; pair++) {
      rates.none.push(await throughputPhase(keys.ingest, templates));
      log(`pair ${pair + 1}: none ${rates.none.at(-1)!.toFixed(0)} spans/s`);
      if (breakerIds.length === 0) {
        for (const name of TRAFFIC_AGENTS) {
          for (const [i, b] of QUIET_BREAKERS.entries()) breakerIds.push({ agent: name, id: await createBreaker(keys.control, name, { ...b, name: `quiet ${i + 1}`, mode: "observe" }) });
        }
      } else {
        for (const b of breakerIds) await call("PATCH", `/api/v1/agents/${encodeURIComponent(b.agent)}/breakers/${b.id}`, keys.control, { enabled: true });
      }
      rates.ten.push(await throughputPhase(keys.ingest, templates));
      log(`pair ${pair + 1}: ten breakers per agent ${rates.ten.at(-1)!.toFixed(0)} spans/s`);
      for (const b of breakerIds) {
        const off = await call("PATCH", `/api/v1/agents/${encodeURIComponent(b.agent)}/breakers/${b.id}`, keys.control, { enabled: false });
        if (off.status !== 200) throw new Error(`disable breaker: ${off.status} ${JSON.stringify(off.body).slice(0, 200)}`);
      }
    }
    const loadAfter = loadavg()[0]!.toFixed(1);
    const none = rates.none.reduce((a, b) => a + b, 0) / rates.none.length;
    const ten = rates.ten.reduce((a, b) => a + b, 0) / rates.ten.length;
    const slowdown = 1 - ten / none;
    const tripMet = trips.p99 < TARGET_TRIP_P99_MS;
    const throughputMet = slowdown <= TARGET_SLOWDOWN;

    const row = (cells: (string | number)[]) => `| ${cells.join(" | ")} |`;
    const table = [
      row(["measure", "result", "target", "met"]),
      row(["---", "---:", "---:", "---"]),
      row([`trip latency: spans acknowledged → agent reads tripped, p50 / p99 / max over ${trips.n} trips`, `${trips.p50} / ${trips.p99} / ${trips.max} ms`, `p99 < ${TARGET_TRIP_P99_MS} ms`, tripMet ? "yes" : "no"]),
      row([`ingestion, no breakers (mean of ${PAIRS} × ${SECONDS} s)`, `${none.toFixed(0)} spans/s`, "", ""]),
      row([`ingestion, ten breakers per agent (mean of ${PAIRS} × ${SECONDS} s, interleaved)`, `${ten.toFixed(0)} spans/s (${(slowdown * 100).toFixed(1)} % slower)`, `≤ ${TARGET_SLOWDOWN * 100} % slower`, throughputMet ? "yes" : "no"]),
    ];
    const commit = git("rev-parse", "--short", "HEAD");
    const dirty = git("status", "--porcelain").split("\n").filter(Boolean).length;
    const machine = `${cpus().length} × ${cpus()[0]?.model ?? "?"}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`;
    console.log(`\n${machine}; commit ${commit}${dirty ? ` + ${dirty} uncommitted paths` : ""}; load ${loadBefore}→${loadAfter}\n`);
    console.log(table.join("\n"));
    console.log(`\nper pair (none / ten): ${rates.none.map((n, i) => `${n.toFixed(0)} / ${rates.ten[i]!.toFixed(0)}`).join("; ")}`);
    if (build.tsconfig) console.log(`tsconfig.json: next build rewrote it; ${build.tsconfig === "restored" ? "restored" : "LEFT CHANGED"}`);
    await writeFile(
      path.join(root, "bench/breakers/results.json"),
      JSON.stringify(
        {
          at: new Date().toISOString(),
          commit,
          uncommittedPaths: dirty,
          machine,
          load: `${loadBefore}→${loadAfter}`,
          config: { trips: TRIPS, seconds: SECONDS, pairs: PAIRS, clients: CLIENTS, distDir: DIST_DIR },
          build,
          trips,
          throughput: { none, ten, slowdown, perPair: rates },
          targets: { tripP99Ms: TARGET_TRIP_P99_MS, tripMet, slowdown: TARGET_SLOWDOWN, throughputMet },
          table: table.join("\n"),
        },
        null,
        2,
      ) + "\n",
    );
    log("wrote bench/breakers/results.json");
  } finally {
    await stopChild(app);
    agent.destroy();
    if (pgServer.owned) await pgServer.stop();
  }
}

main().catch((error: unknown) => {
  console.error("[bench] failed:", error);
  process.exit(1);
});
