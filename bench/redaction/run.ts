/**
 * Redaction benchmark: `npm run bench:redaction [-- --seconds 20 --clients 1 --skip-server]`.
 *
 * (a) In process: each built-in detector, and representative custom patterns
 *     (through the same SafeRegex guard as production), on 1 MiB of each of
 *     its adversarial inputs against 1 MiB of plain prose, median of 5 runs,
 *     and the ratio (target ≤ 3).
 * (b) Server: its own embedded PostgreSQL (fresh database, migrated) and the
 *     real health and native ingestion route handlers behind a plain Node HTTP
 *     server (bench/redaction/server.ts), redaction switched on. `GET
 *     /api/health` p50/p99 with no other load, then while `--clients` clients
 *     keep POSTing ~16 MB adversarial bodies to /api/v1/ingest (target p99 <
 *     100 ms under load), in the same run.
 * (c) In process: event-loop delay (a 5 ms interval's lateness, p99 and max)
 *     while one such body is redacted by `redact` (what ingestion calls) and
 *     by `redactAsync` (the yielding walker), same body, same run.
 * Prints markdown tables and the load average.
 */
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { BUILTIN_KINDS, builtinRule, customRule, type BuiltinKind, type StringRule } from "../../lib/redaction/detectors";
import { createRedactor, REDACTION_ENABLED_KEY } from "../../lib/redaction/redactor";
import { startEmbeddedPostgres } from "../../scripts/lib/embedded-postgres";
import { freshBenchDatabase, startRouteServer, stopChild } from "../lib/harness";

const { values: args } = parseArgs({
  options: {
    seconds: { type: "string", default: "20" },
    clients: { type: "string", default: "1" },
    runs: { type: "string", default: "5" },
    "skip-server": { type: "boolean", default: false },
  },
});
const SECONDS = Number(args.seconds);
const CLIENTS = Number(args.clients);
const RUNS = Number(args.runs);
const PG_PORT = Number(process.env.BENCH_PG_PORT ?? 54397);
const PG_DIR = process.env.BENCH_PG_DIR ?? ".data/bench-pg-redaction";
const APP_PORT = Number(process.env.BENCH_PORT ?? 3297);
const MIB = 1 << 20;
const log = (line: string) => console.log(`[bench] ${line}`);
const load = () => loadavg()[0]!.toFixed(1);
const row = (cells: (string | number)[]) => `| ${cells.join(" | ")} |`;

// ───────────── inputs ─────────────

const fill = (unit: string, length = MIB) => unit.repeat(Math.ceil(length / unit.length)).slice(0, length);

const PROSE = fill(
  [
    "The supplier confirmed that the delivery would arrive on Thursday, weather permitting. ",
    "Our agent compared three quotes and chose the one with the shortest lead time, noting the higher price. ",
    "Please review the attached summary before the weekly meeting; the open questions are listed at the end. ",
    "In the second quarter, returns fell slightly while the number of support tickets stayed roughly flat. ",
    "The assistant drafted a polite reply, asked for the missing invoice, and escalated nothing. ",
  ].join(""),
);

/** The inputs that made each detector (or its old regex) backtrack, plus the runs it must scan. */
const ADVERSARIAL: Record<BuiltinKind, Record<string, string>> = {
  PHONE: {
    "`+` then 28 digits then a letter": fill(`+${"1".repeat(28)}a `),
    "`+1 1 1 1 …`": fill("+1 1 1 1 "),
    "`+1(1)1-1.1 …`": fill("+1(1)1-1.1 "),
  },
  CARD: {
    "`1 1 1 1 …`": fill("1 "),
    "`1-1-1-1-…`": fill("1-"),
    "digits only": fill("1"),
  },
  EMAIL: {
    "`a@a@a@…`": fill("a@"),
    "`a.a.a.…`": fill("a."),
    "`x@a-a-…a.a1 ` (long dotted domains)": fill(`x@${"a-".repeat(40)}a.a1 `),
  },
  IBAN: {
    "`DE00 0000 0000 …`": `DE00 ${fill("0000 ")}`.slice(0, MIB),
    "`DE00 DE00 …`": fill("DE00 "),
  },
  SECRET: {
    "base64-ish run": fill("Ab3+"),
    "`eyJ-eyJ-…`": fill("eyJ-"),
    "BEGIN lines without an END": fill("-----BEGIN PRIVATE KEY-----"),
    "`password: password: …`": fill("password: "),
  },
};

interface Custom {
  label: string;
  rule: StringRule;
  inputs: Record<string, string>;
}

const CUSTOM: Custom[] = [
  {
    label: "custom `EMP-\\d{6}` (linear)",
    rule: customRule("employee id", "EMP-\\d{6}"),
    inputs: { "`EMP-EMP-…`": fill("EMP-"), "`EMP-12345` repeated": fill("EMP-12345") },
  },
  {
    label: "custom `\\b[\\w.+-]+@acme\\.com` (accepted, quadratic: small windows)",
    rule: customRule("acme mail", "\\b[\\w.+-]+@acme\\.com"),
    inputs: { "`a.a.a.…`": fill("a."), "base64-ish run": fill("Ab3+") },
  },
];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function timeRule(rule: StringRule, text: string): number {
  rule.apply(text.slice(0, 10_000)); // warm-up: compile and tier up
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    rule.apply(text);
    times.push(performance.now() - started);
  }
  return median(times);
}

function detectorTable(): { lines: string[]; worst: number } {
  const lines = [row(["detector", "adversarial input (1 MiB)", "prose ms", "adversarial ms", "ratio"]), row(["---", "---", "---:", "---:", "---:"])];
  let worst = 0;
  const measure = (label: string, rule: StringRule, inputs: Record<string, string>, counted: boolean) => {
    const prose = timeRule(rule, PROSE);
    for (const [name, text] of Object.entries(inputs)) {
      const ms = timeRule(rule, text);
      const ratio = ms / prose;
      if (counted) worst = Math.max(worst, ratio);
      lines.push(row([label, name, prose.toFixed(1), ms.toFixed(1), ratio.toFixed(2)]));
    }
  };
  for (const kind of BUILTIN_KINDS) measure(kind, builtinRule(kind), ADVERSARIAL[kind], true);
  CUSTOM.forEach((c, i) => measure(c.label, c.rule, c.inputs, i === 0));
  return { lines, worst };
}

// ───────────── event-loop delay ─────────────

/** The messages of one adversarial body (as the server redacts them). */
function bodyMessages(): unknown[] {
  const shapes = Object.values(ADVERSARIAL).flatMap((inputs) => Object.values(inputs));
  return Array.from({ length: 15 }, (_, i) => [{ role: "user", content: `${shapes[i % shapes.length]!.slice(0, 1_000_000)} jane.doe@example.com` }]);
}

async function loopDelay(work: () => Promise<unknown>): Promise<{ ms: number; p99: number; max: number }> {
  const delays: number[] = [];
  let expected = performance.now() + 5;
  const timer = setInterval(() => {
    const now = performance.now();
    delays.push(Math.max(0, now - expected));
    expected = now + 5;
  }, 5);
  const started = performance.now();
  await work();
  const ms = performance.now() - started;
  await new Promise((r) => setTimeout(r, 20));
  clearInterval(timer);
  delays.sort((a, b) => a - b);
  return { ms, p99: percentile(delays, 99), max: delays[delays.length - 1] ?? ms };
}

async function loopTable(): Promise<string[]> {
  const redactor = createRedactor({ enabled: true, builtins: {}, custom: [] });
  const messages = bodyMessages();
  const sync = await loopDelay(async () => redactor.redact(messages));
  const yielding = await loopDelay(() => redactor.redactAsync(messages));
  return [
    row(["walker (15 MB adversarial body, all detectors)", "redaction ms", "event-loop delay p99 ms", "max ms"]),
    row(["---", "---:", "---:", "---:"]),
    row(["`redact` (synchronous; what ingestion calls)", sync.ms.toFixed(0), sync.p99.toFixed(1), sync.max.toFixed(1)]),
    row(["`redactAsync` (yields every 10 ms)", yielding.ms.toFixed(0), yielding.p99.toFixed(1), yielding.max.toFixed(1)]),
  ];
}

// ───────────── server ─────────────

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const TRACE_PLACEHOLDER = "f".repeat(32);

/**
 * A native batch of one run and 15 LLM steps whose messages are 1 MB
 * adversarial strings (every detector's worst shapes in turn, each ending in a
 * real e-mail address so redaction visibly ran): ~15.5 MB of JSON, under the
 * 16 MiB INGEST_MAX_BODY_BYTES. Split at the trace id so each request gets a
 * fresh one by concatenation only (the load generator must not block the
 * process that measures health).
 */
function adversarialBody(): { parts: Buffer[]; bytes: number } {
  const shapes = Object.values(ADVERSARIAL).flatMap((inputs) => Object.values(inputs));
  const startedAt = new Date(Date.now() - 60_000).toISOString();
  const steps = Array.from({ length: 15 }, (_, i) => ({
    traceId: TRACE_PLACEHOLDER,
    spanId: randomBytes(8).toString("hex"),
    kind: "LLM_CALL",
    name: `adversarial ${i}`,
    model: "gpt-4o-mini",
    startedAt,
    endedAt: startedAt,
    inputMessages: [{ role: "user", content: `${shapes[i % shapes.length]!.slice(0, 1_000_000)} jane.doe@example.com` }],
  }));
  const json = JSON.stringify({ runs: [{ traceId: TRACE_PLACEHOLDER, name: "adversarial", agent: "bench", startedAt }], steps });
  const parts = json.split(TRACE_PLACEHOLDER).map((p) => Buffer.from(p));
  return { parts, bytes: Buffer.byteLength(json) };
}

function freshBody(parts: Buffer[]): Buffer {
  const id = Buffer.from(randomBytes(16).toString("hex"));
  const out: Buffer[] = [];
  parts.forEach((p, i) => {
    if (i > 0) out.push(id);
    out.push(p);
  });
  return Buffer.concat(out);
}

interface HealthPhase {
  label: string;
  latencies: number[];
  ingests: number[];
  load: string;
}

async function serverPhases(): Promise<{ lines: string[]; notes: string[]; p99UnderLoad: number }> {
  const pgServer = await startEmbeddedPostgres({ dataDir: PG_DIR, port: PG_PORT });
  let app: ChildProcess | undefined;
  try {
    const { url, key, admin } = await freshBenchDatabase(pgServer, "flightdeck_bench_redaction");
    await admin.query(`INSERT INTO "Setting" (key, value, "updatedAt") VALUES ($1, 'true'::jsonb, now())`, [REDACTION_ENABLED_KEY]);

    app = await startRouteServer("bench/redaction/server.ts", { port: APP_PORT, databaseUrl: url });
    const base = `http://127.0.0.1:${APP_PORT}`;
    const healthOnce = async () => {
      const started = performance.now();
      const res = await fetch(`${base}/api/health`);
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`health answered ${res.status}`);
      return performance.now() - started;
    };
    const body = adversarialBody();
    const ingestOnce = async () => {
      const started = performance.now();
      const res = await fetch(`${base}/api/v1/ingest`, {
        method: "POST",
        headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
        body: freshBody(body.parts) as unknown as BodyInit,
      });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`ingest answered ${res.status}: ${text.slice(0, 300)}`);
      return performance.now() - started;
    };
    log(`warming up (20 health checks, 1 ingestion of ${(body.bytes / 1e6).toFixed(1)} MB, not timed)…`);
    for (let i = 0; i < 20; i++) await healthOnce();
    await ingestOnce();

    /** One health check every 20 ms for `SECONDS`, optionally while `clients` keep ingesting. */
    const phase = async (label: string, clients: number): Promise<HealthPhase> => {
      const before = load();
      const deadline = performance.now() + SECONDS * 1000;
      const latencies: number[] = [];
      const ingests: number[] = [];
      const loaders = Array.from({ length: clients }, async () => {
        while (performance.now() < deadline) ingests.push(await ingestOnce());
      });
      // Let the first body reach the server before measuring.
      if (clients > 0) await new Promise((r) => setTimeout(r, 300));
      while (performance.now() < deadline) {
        latencies.push(await healthOnce());
        await new Promise((r) => setTimeout(r, 20));
      }
      await Promise.all(loaders);
      return { label, latencies: latencies.sort((a, b) => a - b), ingests: ingests.sort((a, b) => a - b), load: `${before}→${load()}` };
    };
    log(`health alone for ${SECONDS} s…`);
    const idle = await phase("GET /api/health, no other load", 0);
    log(`health while ${CLIENTS} client(s) ingest ${(body.bytes / 1e6).toFixed(1)} MB adversarial bodies, for ${SECONDS} s…`);
    const loaded = await phase(`GET /api/health, ${CLIENTS} client(s) ingesting ${(body.bytes / 1e6).toFixed(1)} MB bodies`, CLIENTS);

    const stored = await admin.query<{ steps: string; redactions: string }>(`SELECT count(*) AS steps, COALESCE(sum(redactions), 0) AS redactions FROM "Step"`);
    await admin.end();
    const lines = [
      row(["phase", "health checks", "p50 ms", "p99 ms", "max ms", "ingestions", "ingest p50 ms", "load avg"]),
      row(["---", "---:", "---:", "---:", "---:", "---:", "---:", "---:"]),
      ...[idle, loaded].map((p) =>
        row([
          p.label,
          p.latencies.length,
          percentile(p.latencies, 50).toFixed(1),
          percentile(p.latencies, 99).toFixed(1),
          p.latencies[p.latencies.length - 1]!.toFixed(1),
          p.ingests.length,
          p.ingests.length ? percentile(p.ingests, 50).toFixed(0) : "–",
          p.load,
        ]),
      ),
    ];
    const notes = [`stored ${stored.rows[0]!.steps} steps with ${stored.rows[0]!.redactions} redactions (one e-mail address per step: redaction ran)`];
    return { lines, notes, p99UnderLoad: percentile(loaded.latencies, 99) };
  } finally {
    await stopChild(app);
    if (pgServer.owned) await pgServer.stop();
  }
}

async function main() {
  log(`load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}; in-process: median of ${RUNS} runs on 1 MiB inputs`);
  const detectors = detectorTable();
  console.log(`\n${detectors.lines.join("\n")}\n`);
  console.log(`worst ratio of a built-in detector or the linear custom pattern: ${detectors.worst.toFixed(2)} (target ≤ 3: ${detectors.worst <= 3 ? "met" : "NOT met"})`);
  console.log(`\n${(await loopTable()).join("\n")}\n`);
  if (args["skip-server"]) return;
  log(`PostgreSQL on port ${PG_PORT} (${PG_DIR}); app on port ${APP_PORT}; ${SECONDS} s per phase`);
  const server = await serverPhases();
  console.log(`\n${server.lines.join("\n")}\n`);
  for (const note of server.notes) console.log(note);
  console.log(`health p99 under load: ${server.p99UnderLoad.toFixed(1)} ms (target < 100 ms: ${server.p99UnderLoad < 100 ? "met" : "NOT met"})`);
  log(`load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
}

main().catch((error: unknown) => {
  console.error("[bench] failed:", error);
  process.exit(1);
});
