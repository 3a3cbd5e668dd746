/**
 * Memory under concurrent maximum-size batches: `npm run bench:memory [-- --seconds 20 --clients 16 --mb 16]`.
 *
 * Starts its own embedded PostgreSQL (fresh database, BENCH_PG_PORT/BENCH_PG_DIR)
 * and an app server (this file with `--serve`: the real OTLP and health route
 * handlers behind a plain Node HTTP server that streams request bodies, as
 * Next does, so the ingestion memory bound sees bytes as they arrive). Then,
 * in the same run:
 *   1. idle: the server's RSS after a warm-up, with no load (the baseline);
 *   2. load: `--clients` clients each send OTLP/protobuf batches of `--mb` MB
 *      (1,000 spans with large messages, fresh ids every time) back to back
 *      for `--seconds`, honouring 429 + Retry-After as exporters do, while
 *      `GET /api/health` is timed every 100 ms and the server's VmRSS is read
 *      from /proc/<pid>/status every 50 ms.
 * Prints idle and peak RSS, the peak against the memory budget (bench/README.md),
 * answers by status, ingested MB/s and health p50/p99. `--inflight <MiB>` sets
 * INGEST_MAX_INFLIGHT_BYTES for the server (default: the app's default).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { loadavg } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { parseArgs } from "node:util";
import { create } from "@bufbuild/protobuf";
import { startEmbeddedPostgres } from "../../scripts/lib/embedded-postgres";
import { serverNodeOptions } from "../../scripts/lib/server-node-options";
import { KeyValueSchema } from "../../lib/telemetry/proto/gen/flightdeck/otlp/trace_pb";
import { batchTemplateOf, encodeBatch, spanBatch, type BatchTemplate } from "./spans";
import { freshBenchDatabase, waitForPort } from "../lib/harness";

const { values: args } = parseArgs({
  options: {
    seconds: { type: "string", default: "20" },
    clients: { type: "string", default: "16" },
    mb: { type: "string", default: "16" },
    inflight: { type: "string" },
    serve: { type: "boolean", default: false },
  },
});
const MiB = 1024 * 1024;
const SECONDS = Number(args.seconds);
const CLIENTS = Number(args.clients);
const BODY_BYTES = Math.min(Number(args.mb) * 1_000_000, 16 * MiB);
const PG_PORT = Number(process.env.BENCH_PG_PORT ?? 54372);
const PG_DIR = process.env.BENCH_PG_DIR ?? ".data/bench-pg-memory";
const APP_PORT = Number(process.env.BENCH_PORT ?? 3392);
/**
 * The stated budget (bench/README.md): idle RSS plus 10 × INGEST_MAX_INFLIGHT_BYTES (640 MiB with the default
 * 64 MiB), whatever the number of concurrent senders. A body costs several times its size while it is decoded,
 * mapped and written (the buffer, decoded spans, drafts, the jsonb payload text): 5–7× measured here.
 */
const INFLIGHT = (args.inflight ? Number(args.inflight) : 64) * MiB;
const BUDGET_OVER_IDLE = 10 * INFLIGHT;
const log = (line: string) => console.log(`[bench] ${line}`);

// ───────────── the server (`--serve`) ─────────────

async function serve() {
  const { NextRequest } = await import("next/server");
  const { POST } = await import("../../app/api/otel/v1/traces/route");
  const { GET: health } = await import("../../app/api/health/route");
  const port = Number(process.env.PORT);
  const server = createServer(async (req, res) => {
    try {
      let response: Response;
      if (req.url === "/api/health") {
        response = await health();
      } else {
        const headers = new Headers();
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
        // Streamed, not buffered first: the handler (and the in-flight bound) reads the bytes as they arrive.
        const body = Readable.toWeb(req) as ReadableStream<Uint8Array>;
        const request = new NextRequest(new Request(`http://localhost:${port}${req.url}`, { method: req.method, headers, body, duplex: "half" } as RequestInit));
        response = await POST(request, { params: Promise.resolve({}) });
      }
      res.writeHead(response.status, Object.fromEntries(response.headers));
      // A refused upload is not read (the streamed body holds the socket paused): close it once the answer is out.
      res.end(Buffer.from(await response.arrayBuffer()), () => {
        if (!req.complete) req.destroy();
      });
    } catch (error) {
      console.error(error);
      res.writeHead(500).end();
    }
  });
  server.keepAliveTimeout = 60_000;
  server.listen(port, "127.0.0.1");
  process.on("SIGTERM", () => server.close(() => process.exit(0)));
}

// ───────────── the load ─────────────

/** 1,000 realistic spans whose chat outputs are padded so the protobuf body is `bytes` long; fresh ids per call. */
function maxSizeBatch(bytes: number): BatchTemplate {
  const spans = spanBatch(50);
  const chats = spans.filter((s) => s.name.startsWith("chat"));
  const base = encodeBatch(spans).byteLength;
  const sentence = "The supplier confirmed the revised delivery date and the corrected unit price for line ";
  const pad = Math.max(0, Math.floor((bytes - base) / chats.length) - 16);
  chats.forEach((s, i) => {
    const text = `${sentence}${i}. `.repeat(Math.ceil(pad / (sentence.length + 4))).slice(0, pad);
    const at = s.attributes.findIndex((a) => a.key === "gen_ai.output.messages");
    const messages = JSON.stringify([{ role: "assistant", parts: [{ type: "text", content: text }] }]);
    s.attributes[at] = create(KeyValueSchema, { key: "gen_ai.output.messages", value: { value: { case: "stringValue", value: messages } } });
  });
  return batchTemplateOf(spans);
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

const mib = (bytes: number) => `${Math.round(bytes / MiB)} MiB`;

async function main() {
  log(`PostgreSQL on port ${PG_PORT} (${PG_DIR}); app on port ${APP_PORT}; ${CLIENTS} clients × ${(BODY_BYTES / 1e6).toFixed(0)} MB batches for ${SECONDS} s`);
  const pgServer = await startEmbeddedPostgres({ dataDir: PG_DIR, port: PG_PORT });
  let app: ChildProcess | undefined;
  try {
    const { url, key, admin } = await freshBenchDatabase(pgServer, "flightdeck_bench_memory");

    log("generating the batch (not timed)…");
    const batch = maxSizeBatch(BODY_BYTES);
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: url, PORT: String(APP_PORT), NODE_ENV: "production", NODE_OPTIONS: serverNodeOptions(), DATABASE_POOL_MAX: "20" };
    if (args.inflight) env.INGEST_MAX_INFLIGHT_BYTES = String(Number(args.inflight) * MiB);
    app = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", path.join(process.cwd(), "bench/ingest/memory.ts"), "--serve"], {
      env,
      stdio: ["ignore", "ignore", "inherit"],
    });
    await waitForPort(APP_PORT, app);
    const pid = app.pid!;
    const base = `http://127.0.0.1:${APP_PORT}`;
    const send = async () => {
      const res = await fetch(`${base}/api/otel/v1/traces`, {
        method: "POST",
        headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/x-protobuf" },
        body: batch.fresh() as BodyInit,
      });
      await res.arrayBuffer();
      return { status: res.status, retryAfter: Number(res.headers.get("retry-after") ?? 0) };
    };
    const healthOnce = async () => {
      const t = performance.now();
      const res = await fetch(`${base}/api/health`);
      await res.arrayBuffer();
      return performance.now() - t;
    };

    log("warming up (10 health checks, 2 batches one after the other, not timed)…");
    for (let i = 0; i < 10; i++) await healthOnce();
    for (let i = 0; i < 2; i++) if ((await send()).status !== 200) throw new Error("warm-up batch refused");
    await new Promise((r) => setTimeout(r, 3000));
    const idleSamples: number[] = [];
    for (let i = 0; i < 20; i++) {
      idleSamples.push(rssOf(pid));
      await new Promise((r) => setTimeout(r, 50));
    }
    const idle = Math.min(...idleSamples);
    log(`idle RSS ${mib(idle)}; load for ${SECONDS} s…`);

    const statuses = new Map<number, number>();
    const health: number[] = [];
    let peak = idle;
    let stored = 0;
    const loadBefore = loadavg()[0]!.toFixed(1);
    const started = performance.now();
    const deadline = started + SECONDS * 1000;
    const sampler = setInterval(() => (peak = Math.max(peak, rssOf(pid))), 50);
    const healthLoop = (async () => {
      while (performance.now() < deadline) {
        health.push(await healthOnce());
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (performance.now() < deadline) {
          const { status, retryAfter } = await send().catch(() => ({ status: 0, retryAfter: 1 }));
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          if (status === 200) stored++;
          else await new Promise((r) => setTimeout(r, Math.max(1, retryAfter) * 1000));
        }
      }),
    );
    await healthLoop;
    clearInterval(sampler);
    const elapsed = (performance.now() - started) / 1000;
    peak = Math.max(peak, rssOf(pid));
    health.sort((a, b) => a - b);
    const steps = (await admin.query<{ n: string }>(`SELECT count(*) AS n FROM "Step"`)).rows[0]!.n;
    await admin.end();

    const within = peak - idle <= BUDGET_OVER_IDLE;
    const row = (cells: string[]) => `| ${cells.join(" | ")} |`;
    console.log(`\n${CLIENTS} clients × ${(batch.bytes.byteLength / 1e6).toFixed(1)} MB OTLP/protobuf batches (1,000 spans), ${elapsed.toFixed(1)} s, INGEST_MAX_INFLIGHT_BYTES ${args.inflight ? `${args.inflight} MiB` : "default (64 MiB)"}\n`);
    console.log(row(["idle RSS", "peak RSS", "peak − idle", `budget (idle + ${mib(BUDGET_OVER_IDLE)})`, "answers", "ingested MB/s", "health p50 ms", "health p99 ms", "load avg"]));
    console.log(row(["---:", "---:", "---:", "---", "---", "---:", "---:", "---:", "---:"]));
    console.log(
      row([
        mib(idle),
        mib(peak),
        mib(peak - idle),
        within ? "within" : "EXCEEDED",
        [...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${n}× ${s || "error"}`).join(", "),
        ((stored * batch.bytes.byteLength) / 1e6 / elapsed).toFixed(1),
        percentile(health, 50).toFixed(1),
        percentile(health, 99).toFixed(1),
        `${loadBefore}→${loadavg()[0]!.toFixed(1)}`,
      ]),
    );
    console.log(`\nstored ${steps} steps (${stored + 2} batches of 1,000 incl. warm-up); health checks: ${health.length}`);
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

(args.serve ? serve() : main()).catch((error: unknown) => {
  console.error("[bench] failed:", error);
  process.exit(1);
});
