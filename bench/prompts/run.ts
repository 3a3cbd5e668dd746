/**
 * Prompt fetch benchmark (issue 9 item 13): `npm run bench:prompts [-- --seconds 15 --rate 500 --connections 32]`.
 *
 * Target: `GET /api/v1/prompts/{name}?label=production` (Bearer key with
 * prompts:read) under concurrent load has p99 < 20 ms at 500 requests/s, and
 * its throughput is ≥ 70 % of a static JSON route's (`GET /api/live`: no key,
 * no database) served by the same `next start` in the same run.
 *
 * One command does everything: its own embedded PostgreSQL (`BENCH_PG_PORT`
 * 54470, `BENCH_PG_DIR` .data/bench-pg-prompts; database
 * `flightdeck_bench_prompts` recreated and migrated every run), an API key and
 * `--prompts` prompts of three versions with `production` on version 2
 * (bench/prompts/seed.ts), a production build of its own (`NEXT_DIST_DIR`,
 * default .next-bench-prompts; rebuilt only when the sources changed) served by
 * `next start` on `BENCH_PORT` (3270) as `npm start` runs it. Then, after a
 * warm-up of every request kind:
 *   (a) closed loop, `--connections` keep-alive clients for `--seconds` each:
 *       /api/live, the prompt fetch, the prompt fetch with If-None-Match (304),
 *       /api/live again; "% of static" divides by the mean of the two /api/live runs;
 *   (b) open loop at `--rate` requests/s for `--open-seconds` each, scheduled
 *       whatever the answers do, latency from the scheduled time (bench/lib/load.ts):
 *       /api/live, the prompt fetch, the 304;
 * with CPU per request of the app server, PostgreSQL and the load generator
 * (/proc). Prints a markdown table, writes bench/prompts/results.json.
 * The requests rotate over the prompts' names; every answer's status is checked
 * and every 25th body (`version` is the production label's).
 *
 * BENCH_CPU_PROF=<dir>: a V8 CPU profile of the `next start` process (written when it stops).
 */
import { execFileSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { cpus, loadavg, totalmem } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import type { ChildProcess } from "node:child_process";
import { startEmbeddedPostgres } from "../../scripts/lib/embedded-postgres";
import { ensureNextBuild, freshBenchDatabase, startNextServer, stopChild, type NextBuildOutcome } from "../lib/harness";
import { postmasterPid, treeCpuMs } from "../lib/cpu";
import { closedLoop, get, newAgent, openLoop, percentile, type LoadResult, type Target } from "../lib/load";
import { PRODUCTION_VERSION, seedPrompts } from "./seed";

const { values: args } = parseArgs({
  options: {
    seconds: { type: "string", default: "15" },
    "open-seconds": { type: "string", default: "20" },
    rate: { type: "string", default: "500" },
    connections: { type: "string", default: "32" },
    warmup: { type: "string", default: "3" },
    prompts: { type: "string", default: "20" },
  },
});
const SECONDS = Number(args.seconds);
const OPEN_SECONDS = Number(args["open-seconds"]);
const RATE = Number(args.rate);
const CONNECTIONS = Number(args.connections);
const WARMUP_SECONDS = Number(args.warmup);
const PROMPTS = Number(args.prompts);
const PG_PORT = Number(process.env.BENCH_PG_PORT ?? 54470);
const PG_DIR = process.env.BENCH_PG_DIR ?? ".data/bench-pg-prompts";
const APP_PORT = Number(process.env.BENCH_PORT ?? 3270);
const DIST_DIR = process.env.NEXT_DIST_DIR || ".next-bench-prompts";
const root = process.cwd();
const log = (line: string) => console.log(`[bench] ${line}`);
const load1 = () => loadavg()[0]!.toFixed(1);

/** Targets: p99 below this at RATE, and prompt throughput at least this share of the static route's. */
const P99_TARGET_MS = 20;
const THROUGHPUT_TARGET = 0.7;

interface Phase extends LoadResult {
  load: string;
  /** CPU milliseconds per request: app server, PostgreSQL, load generator (this process). */
  cpu: { app: number | null; pg: number | null; generator: number };
}

function summary(p: Phase) {
  const ms = (x: number) => Math.round(x * 100) / 100;
  return {
    label: p.label,
    mode: p.mode,
    connections: p.connections,
    rate: p.rate,
    seconds: ms(p.seconds),
    requests: p.requests,
    errors: p.errors,
    errorSamples: p.errorSamples,
    rps: Math.round(p.rps),
    latencyMs: { p50: ms(percentile(p.latencies, 50)), p95: ms(percentile(p.latencies, 95)), p99: ms(percentile(p.latencies, 99)), max: ms(p.latencies.at(-1) ?? NaN) },
    sendLagP99Ms: p.mode === "open" ? ms(percentile(p.sendLag, 99)) : null,
    cpuMsPerRequest: { app: p.cpu.app === null ? null : ms(p.cpu.app), pg: p.cpu.pg === null ? null : ms(p.cpu.pg), generator: ms(p.cpu.generator) },
    load: p.load,
  };
}

function git(...a: string[]): string {
  try {
    return execFileSync("git", a, { cwd: root, encoding: "utf8" }).trim();
  } catch {
    return "";
  }
}

async function main() {
  log(
    `PostgreSQL on ${PG_PORT} (${PG_DIR}); next start on ${APP_PORT} (${DIST_DIR}); ${CONNECTIONS} connections, closed loop ${SECONDS} s, open loop ${RATE}/s for ${OPEN_SECONDS} s; load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}`,
  );
  const pgServer = await startEmbeddedPostgres({ dataDir: PG_DIR, port: PG_PORT });
  let app: ChildProcess | undefined;
  try {
    const { url, admin } = await freshBenchDatabase(pgServer, "flightdeck_bench_prompts");
    const { key, names } = await seedPrompts(admin, PROMPTS);
    await admin.end();
    const build: NextBuildOutcome = await ensureNextBuild(DIST_DIR, log);

    const profile = process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(process.env.BENCH_CPU_PROF)}`] : [];
    app = await startNextServer({ port: APP_PORT, databaseUrl: url, distDir: DIST_DIR, nodeArgs: profile });
    const appPid = app.pid;
    const pgPid = postmasterPid(path.join(path.resolve(PG_DIR), "pgdata"));

    // What the benchmark relies on, checked once: the path, the label query, the Bearer key,
    // 200 JSON with `version`, ETag and a 304 for If-None-Match; and that the key is required.
    const auth = { Authorization: `Bearer ${key}` };
    const promptPath = (name: string) => `/api/v1/prompts/${name}?label=production`;
    const agent = newAgent(1);
    const live = await get(agent, APP_PORT, "/api/live");
    if (live.status !== 200 || (JSON.parse(live.body.toString()) as { status?: string }).status !== "ok") throw new Error(`GET /api/live answered ${live.status} ${live.body}`);
    const etags: string[] = [];
    for (const name of names) {
      const res = await get(agent, APP_PORT, promptPath(name), auth);
      const body = res.status === 200 ? (JSON.parse(res.body.toString()) as { version?: unknown }) : null;
      if (!body || body.version !== PRODUCTION_VERSION || typeof res.headers.etag !== "string") {
        throw new Error(`GET ${promptPath(name)} answered ${res.status} ${res.body.toString().slice(0, 200)} (etag ${res.headers.etag})`);
      }
      etags.push(res.headers.etag);
    }
    const notModified = await get(agent, APP_PORT, promptPath(names[0]!), { ...auth, "If-None-Match": etags[0]! });
    if (notModified.status !== 304) throw new Error(`If-None-Match answered ${notModified.status}, not 304`);
    const unauthorised = await get(agent, APP_PORT, promptPath(names[0]!));
    if (unauthorised.status !== 401) throw new Error(`the prompt fetch without a key answered ${unauthorised.status}, not 401`);
    const promptBytes = (await get(agent, APP_PORT, promptPath(names[0]!), auth)).body.length;
    agent.destroy();

    const staticTarget: Target = {
      label: "GET /api/live (static JSON)",
      request: () => ({ path: "/api/live" }),
      check: (status, body) => (status !== 200 ? `status ${status}` : body && !body.toString().includes('"ok"') ? `body ${body}` : null),
    };
    const promptTarget: Target = {
      label: "GET /api/v1/prompts/{name}?label=production",
      request: (n) => ({ path: promptPath(names[n % names.length]!), headers: auth }),
      check: (status, body, headers) => {
        if (status !== 200) return `status ${status}`;
        if (!headers.etag) return "no ETag";
        if (body && (JSON.parse(body.toString()) as { version?: unknown }).version !== PRODUCTION_VERSION) return `body ${body.toString().slice(0, 120)}`;
        return null;
      },
    };
    const notModifiedTarget: Target = {
      label: "same, If-None-Match → 304",
      request: (n) => ({ path: promptPath(names[n % names.length]!), headers: { ...auth, "If-None-Match": etags[n % names.length]! } }),
      check: (status, body) => (status !== 304 ? `status ${status}` : body && body.length > 0 ? "a 304 with a body" : null),
    };

    const measured = async (run: () => Promise<LoadResult>): Promise<Phase> => {
      const loadBefore = load1();
      const app0 = treeCpuMs(appPid);
      const pg0 = treeCpuMs(pgPid);
      const gen0 = process.cpuUsage();
      const r = await run();
      const gen = process.cpuUsage(gen0);
      const app1 = treeCpuMs(appPid);
      const pg1 = treeCpuMs(pgPid);
      const per = (a: number | null, b: number | null) => (a === null || b === null || r.requests === 0 ? null : (b - a) / r.requests);
      const phase: Phase = { ...r, load: `${loadBefore}→${load1()}`, cpu: { app: per(app0, app1), pg: per(pg0, pg1), generator: (gen.user + gen.system) / 1000 / Math.max(1, r.requests) } };
      log(
        `${phase.label} (${phase.mode}${phase.rate ? ` ${phase.rate}/s` : ""}): ${Math.round(phase.rps)} req/s, p50 ${percentile(phase.latencies, 50).toFixed(1)} p99 ${percentile(phase.latencies, 99).toFixed(1)} ms, ${phase.errors} errors${phase.errors ? ` (${phase.errorSamples.join("; ")})` : ""}`,
      );
      return phase;
    };

    log(`warming up: ${WARMUP_SECONDS} s closed loop per request kind (not counted)…`);
    for (const t of [staticTarget, promptTarget, notModifiedTarget]) await closedLoop(APP_PORT, t, CONNECTIONS, WARMUP_SECONDS);

    log(`(a) closed loop, ${CONNECTIONS} connections, ${SECONDS} s each…`);
    const staticBefore = await measured(() => closedLoop(APP_PORT, staticTarget, CONNECTIONS, SECONDS));
    const promptClosed = await measured(() => closedLoop(APP_PORT, promptTarget, CONNECTIONS, SECONDS));
    const notModifiedClosed = await measured(() => closedLoop(APP_PORT, notModifiedTarget, CONNECTIONS, SECONDS));
    const staticAfter = await measured(() => closedLoop(APP_PORT, staticTarget, CONNECTIONS, SECONDS));
    staticBefore.label += " (before)";
    staticAfter.label += " (after)";

    log(`(b) open loop, ${RATE} requests/s for ${OPEN_SECONDS} s each…`);
    const staticOpen = await measured(() => openLoop(APP_PORT, staticTarget, CONNECTIONS, RATE, OPEN_SECONDS));
    const promptOpen = await measured(() => openLoop(APP_PORT, promptTarget, CONNECTIONS, RATE, OPEN_SECONDS));
    const notModifiedOpen = await measured(() => openLoop(APP_PORT, notModifiedTarget, CONNECTIONS, RATE, OPEN_SECONDS));

    await stopChild(app);
    app = undefined;

    const staticRps = (staticBefore.rps + staticAfter.rps) / 2;
    const phases = [staticBefore, promptClosed, notModifiedClosed, staticAfter, staticOpen, promptOpen, notModifiedOpen];
    const f = (x: number | null, digits = 1) => (x === null || Number.isNaN(x) ? "–" : x.toFixed(digits));
    const row = (cells: string[]) => `| ${cells.join(" | ")} |`;
    const table = [
      row(["request", "mode", "requests", "errors", "req/s", "% of static", "p50 ms", "p95 ms", "p99 ms", "max ms", "CPU ms/req app · PG · gen", "load avg"]),
      row(["---", "---", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:"]),
      ...phases.map((p) =>
        row([
          p.label,
          p.mode === "closed" ? `closed, ${p.connections} conn` : `open, ${p.rate}/s (lag p99 ${f(percentile(p.sendLag, 99))} ms)`,
          String(p.requests),
          String(p.errors),
          Math.round(p.rps).toLocaleString("en-US"),
          p.mode === "closed" ? `${Math.round((p.rps / staticRps) * 100)}%` : "",
          f(percentile(p.latencies, 50)),
          f(percentile(p.latencies, 95)),
          f(percentile(p.latencies, 99)),
          f(p.latencies.at(-1) ?? NaN),
          `${f(p.cpu.app, 2)} · ${f(p.cpu.pg, 2)} · ${f(p.cpu.generator, 2)}`,
          p.load,
        ]),
      ),
    ];
    const ratio = promptClosed.rps / staticRps;
    const p99 = percentile(promptOpen.latencies, 99);
    const latencyMet = p99 < P99_TARGET_MS && promptOpen.errors === 0;
    const throughputMet = ratio >= THROUGHPUT_TARGET;
    const commit = git("rev-parse", "--short", "HEAD");
    const dirty = git("status", "--porcelain").split("\n").filter(Boolean).length;
    const machine = `${cpus().length} × ${cpus()[0]?.model ?? "?"}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`;

    console.log(`\n${machine}; commit ${commit}${dirty ? ` + ${dirty} uncommitted paths` : ""}; ${names.length} prompts rotated, ${promptBytes}-byte answer; next start (${DIST_DIR})\n`);
    console.log(table.join("\n"));
    console.log(`\nthroughput: prompt fetch ${Math.round(promptClosed.rps)} req/s ÷ static ${Math.round(staticRps)} req/s (mean of before/after) = ${Math.round(ratio * 100)}% — target ≥ ${THROUGHPUT_TARGET * 100}%: ${throughputMet ? "met" : "NOT met"}`);
    console.log(`latency: prompt fetch at ${RATE}/s p99 ${p99.toFixed(1)} ms, ${promptOpen.errors} errors — target p99 < ${P99_TARGET_MS} ms: ${latencyMet ? "met" : "NOT met"}`);
    if (build.tsconfig) console.log(`tsconfig.json: next build rewrote it; ${build.tsconfig === "restored" ? "restored to what it was" : "LEFT CHANGED (it changed in other ways too)"}`);

    await writeFile(
      path.join(root, "bench/prompts/results.json"),
      JSON.stringify(
        {
          at: new Date().toISOString(),
          commit,
          uncommittedPaths: dirty,
          machine,
          config: { connections: CONNECTIONS, closedSeconds: SECONDS, openSeconds: OPEN_SECONDS, rate: RATE, warmupSeconds: WARMUP_SECONDS, prompts: names.length, promptAnswerBytes: promptBytes, distDir: DIST_DIR },
          build,
          targets: {
            throughput: { promptRps: Math.round(promptClosed.rps), staticRps: Math.round(staticRps), ratio: Math.round(ratio * 1000) / 1000, target: THROUGHPUT_TARGET, met: throughputMet },
            latency: { rate: RATE, p99Ms: Math.round(p99 * 100) / 100, errors: promptOpen.errors, targetMs: P99_TARGET_MS, met: latencyMet },
          },
          phases: phases.map(summary),
          table: table.join("\n"),
        },
        null,
        2,
      ) + "\n",
    );
    log("wrote bench/prompts/results.json");
  } finally {
    await stopChild(app);
    if (pgServer.owned) await pgServer.stop();
  }
}

main().catch((error: unknown) => {
  console.error("[bench] failed:", error);
  process.exit(1);
});
