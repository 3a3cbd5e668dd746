/**
 * Where one prompt fetch spends its time, in-process:
 * `npx tsx --conditions=react-server bench/prompts/profile.ts [--requests 2000]`.
 *
 * Own embedded PostgreSQL (`BENCH_PG_PORT` 54470, `BENCH_PG_DIR`
 * .data/bench-pg-prompts; fresh `flightdeck_bench_prompts_profile` database)
 * with the benchmark's data (bench/prompts/seed.ts). Runs each stage of
 * `GET /api/v1/prompts/{name}?label=production` `--requests` times one after
 * another and prints, per call, the median wall time and the mean CPU time of
 * this process (JavaScript, Prisma's query compiler, pg's protocol code): the
 * key check, the prompt lookup, the answer (JSON, ETag), the whole route
 * handler, each SQL statement Prisma sends for them (captured at pg's
 * `Client.query`), and the same reads written as single raw statements with
 * plain `pg`, for comparison. Add `node --cpu-prof` for the JavaScript side.
 */
import { parseArgs } from "node:util";
import { PrismaPg } from "@prisma/adapter-pg";
import { NextRequest } from "next/server";
import pg from "pg";
import { hashApiKey } from "../../lib/api-keys/keys";
import { createTransactionAwarePool } from "../../lib/db";
import { closeNotifications } from "../../lib/db/notifications";
import { PrismaClient } from "../../lib/generated/prisma/client";
import { startEmbeddedPostgres } from "../../scripts/lib/embedded-postgres";
import { freshBenchDatabase, median } from "../lib/harness";
import { seedPrompts } from "./seed";

const { values: args } = parseArgs({
  options: { requests: { type: "string", default: "2000" }, prompts: { type: "string", default: "20" }, trace: { type: "boolean", default: false } },
});
const REQUESTS = Number(args.requests);
const PG_PORT = Number(process.env.BENCH_PG_PORT ?? 54470);
const PG_DIR = process.env.BENCH_PG_DIR ?? ".data/bench-pg-prompts";


async function main() {
  const server = await startEmbeddedPostgres({ dataDir: PG_DIR, port: PG_PORT });
  try {
    const { url, admin } = await freshBenchDatabase(server, "flightdeck_bench_prompts_profile");
    const { key, names } = await seedPrompts(admin, Number(args.prompts));

    // The process's one client and its pool (lib/db/index.ts picks them up from globalThis), as the app makes them;
    // the notification hub (the API key cache listens through it) connects with DATABASE_URL.
    process.env.DATABASE_URL = url;
    const pool = createTransactionAwarePool({ connectionString: url, max: 10 });
    const client = new PrismaClient({ adapter: new PrismaPg(pool) });
    Object.assign(globalThis, { flightdeckDb: client, flightdeckPool: pool });

    let statements: string[] | null = null;
    let trace = false;
    const pgQuery = pg.Client.prototype.query as (...a: unknown[]) => unknown;
    pg.Client.prototype.query = function (this: pg.Client, ...a: unknown[]) {
      const first = a[0] as string | { text?: string; values?: unknown } | undefined;
      const text = typeof first === "string" ? first : (first?.text ?? "");
      if (statements && text) statements.push(text.replace(/\s+/g, " "));
      if (trace && text) console.log(`    ${text.replace(/\s+/g, " ")}  ${JSON.stringify(typeof first === "string" ? a[1] : first?.values)}`);
      return pgQuery.apply(this, a);
    } as typeof pg.Client.prototype.query;

    const { authenticateApiKey } = await import("../../lib/api-keys/authenticate");
    const { getPromptVersion, promptJson } = await import("../../lib/prompts/queries");
    const { conditionalJson } = await import("../../lib/api/conditional");
    const { GET } = await import("../../app/api/v1/prompts/[name]/route");
    const authorization = `Bearer ${key}`;
    const name = (i: number) => names[i % names.length]!;
    const request = (i: number) => new NextRequest(`http://localhost/api/v1/prompts/${name(i)}?label=production`, { headers: { authorization } });

    const raw = new pg.Pool({ connectionString: url, max: 4 });
    const hash = hashApiKey(key);
    const RAW_KEY = `SELECT id, name, prefix, scopes, "revokedAt", "expiresAt", "lastUsedAt" FROM "ApiKey" WHERE hash = $1`;
    const RAW_PROMPT = `SELECT p.name, l.name AS label, v.version, v.template, v.config, v.message, v."createdByName", v."createdAt",
         cv.version AS "canaryVersion", l."canaryWeight"
       FROM "Prompt" p JOIN "PromptLabel" l ON l."promptId" = p.id AND l.name = $2 JOIN "PromptVersion" v ON v.id = l."versionId"
       LEFT JOIN "PromptVersion" cv ON cv.id = l."canaryVersionId" WHERE p.name = $1`;
    const found = await getPromptVersion(name(0), { label: "production" });

    const stages: [string, (i: number) => Promise<unknown>][] = [
      ["authenticateApiKey (Prisma)", () => authenticateApiKey(authorization, "prompts:read")],
      ["getPromptVersion by label (Prisma)", (i) => getPromptVersion(name(i), { label: "production" })],
      ["promptJson + conditionalJson (JSON, ETag)", async () => conditionalJson(request(0), promptJson(found), { maxAge: 5 }).arrayBuffer()],
      ["new NextRequest (what the handler gets)", async (i) => request(i)],
      ["route handler GET, whole (body read)", async (i) => (await GET(request(i), { params: Promise.resolve({ name: name(i) }) })).arrayBuffer()],
      ["raw pg: key by hash, one statement", () => raw.query(RAW_KEY, [hash])],
      ["raw pg: prompt + label + version (+ canary), one statement", (i) => raw.query(RAW_PROMPT, [name(i), "production"])],
      ["raw pg: SELECT 1 (round trip)", () => raw.query("SELECT 1")],
    ];
    if (args.trace) {
      for (const [label, stage] of stages.filter(([l]) => !l.startsWith("raw"))) {
        console.log(`\n${label}, one call:`);
        trace = true;
        await stage(1);
        trace = false;
      }
    }
    console.log(`\n${REQUESTS} sequential calls per stage (after ${Math.min(200, REQUESTS)} warm-up calls)\n`);
    console.log("  median ms  CPU ms/call  SQL/call  stage");
    const sqlSeen = new Map<string, Map<string, number>>();
    for (const [label, stage] of stages) {
      for (let i = 0; i < Math.min(200, REQUESTS); i++) await stage(i);
      const wall: number[] = [];
      statements = [];
      const cpu0 = process.cpuUsage();
      for (let i = 0; i < REQUESTS; i++) {
        const t = performance.now();
        await stage(i);
        wall.push(performance.now() - t);
      }
      const cpu = process.cpuUsage(cpu0);
      const seen = statements;
      statements = null;
      const counts = new Map<string, number>();
      for (const t of seen) counts.set(t, (counts.get(t) ?? 0) + 1);
      sqlSeen.set(label, counts);
      console.log(`${median(wall).toFixed(3).padStart(11)}  ${((cpu.user + cpu.system) / 1000 / REQUESTS).toFixed(3).padStart(11)}  ${(seen.length / REQUESTS).toFixed(2).padStart(8)}  ${label}`);
    }
    console.log("\nSQL statements Prisma sent, per call:");
    for (const [label, counts] of sqlSeen) {
      if (!counts.size || label.startsWith("raw")) continue;
      console.log(`  ${label}:`);
      for (const [t, n] of counts) console.log(`    ${(n / REQUESTS).toFixed(2)} × ${t.slice(0, 200)}${t.length > 200 ? " …" : ""}`);
    }
    await closeNotifications(); // the API key cache listens through the hub
    await client.$disconnect();
    await pool.end();
    await raw.end();
    await admin.end();
  } finally {
    if (server.owned) await server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
