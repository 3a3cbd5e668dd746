/**
 * Where one ingestion request spends its time, stage by stage, in-process:
 * `npx tsx --conditions=react-server bench/ingest/profile.ts [--requests 20]`.
 *
 * Own embedded PostgreSQL (`BENCH_PG_PORT`, fresh `flightdeck_bench_profile`
 * database). Each request is a fresh batch of 1,000 GenAI spans (the
 * benchmark's), sent one after another; it prints the median time of decode,
 * mapping, the whole transaction and of every SQL statement inside it (Prisma
 * query events, in statement order), against a raw unnest insert of the same
 * rows. Add `node --cpu-prof` to see the JavaScript side.
 */
import { parseArgs } from "node:util";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { createTransactionAwarePool } from "../../lib/db";
import { PrismaClient } from "../../lib/generated/prisma/client";
import { newId } from "../../lib/ids";
import { startEmbeddedPostgres } from "../../scripts/lib/embedded-postgres";
import { freshBenchDatabase, median } from "../lib/harness";
import { encodeBatch, spanBatch } from "./spans";

const { values: args } = parseArgs({ options: { requests: { type: "string", default: "20" } } });
const REQUESTS = Number(args.requests);
const PG_PORT = Number(process.env.BENCH_PG_PORT ?? 54371);
const PG_DIR = process.env.BENCH_PG_DIR ?? ".data/bench-pg";


async function main() {
  const server = await startEmbeddedPostgres({ dataDir: PG_DIR, port: PG_PORT });
  try {
    const { url, admin } = await freshBenchDatabase(server, "flightdeck_bench_profile");
    await admin.query(
      `INSERT INTO "ModelPrice" (id, model, "matchPattern", "inputPerMillion", "outputPerMillion", "cachedInputPerMillion", "effectiveFrom")
       SELECT * FROM unnest($1::text[], $2::text[], $2::text[], $3::numeric[], $4::numeric[], $5::numeric[], $6::timestamp[])`,
      [[newId(), newId(), newId()], ["gpt-4o-mini", "gpt-4o", "claude-sonnet-4"], [0.15, 2.5, 3], [0.6, 10, 15], [0.075, 1.25, 0.3], ["2024-01-01", "2024-01-01", "2024-01-01"]],
    );

    // The process's one client, with query events (lib/db/index.ts picks it up from globalThis).
    const pool = createTransactionAwarePool({ connectionString: url, max: 4 });
    const client = new PrismaClient({ adapter: new PrismaPg(pool), log: [{ emit: "event", level: "query" }] });
    (globalThis as unknown as { flightdeckDb?: PrismaClient }).flightdeckDb = client;
    let current: { sql: string; ms: number }[] | null = null;
    client.$on("query", (e) => current?.push({ sql: e.query.replace(/\s+/g, " ").slice(0, 70), ms: e.duration }));

    const { decodeOtlpProtobuf } = await import("../../lib/telemetry/otlp");
    const { mapSpan } = await import("../../lib/telemetry/mapping");
    const { ingestSpans } = await import("../../lib/telemetry/ingest");
    const actor = { type: "SYSTEM" as const, label: "profile" };

    // Statements sent on the transaction's own connection (store.ts) are not Prisma queries: time them too.
    const pgQuery = pg.Client.prototype.query as (...a: unknown[]) => unknown;
    pg.Client.prototype.query = function (this: pg.Client, ...a: unknown[]) {
      const text = typeof a[0] === "string" ? a[0] : "";
      const result = pgQuery.apply(this, a);
      if (current && text && result instanceof Promise) {
        const list = current;
        const t = performance.now();
        void result.then(() => list.push({ sql: `[pg] ${text.replace(/\s+/g, " ").slice(0, 65)}`, ms: performance.now() - t }), () => undefined);
      }
      return result;
    } as typeof pg.Client.prototype.query;

    const bodies = Array.from({ length: REQUESTS + 3 }, () => encodeBatch(spanBatch(50)));
    const stages = new Map<string, number[]>();
    const add = (name: string, ms: number) => stages.set(name, [...(stages.get(name) ?? []), ms]);
    for (let i = 0; i < bodies.length; i++) {
      const warm = i < 3;
      let t = performance.now();
      const spans = decodeOtlpProtobuf(bodies[i]!);
      const decodeMs = performance.now() - t;
      t = performance.now();
      for (const s of spans) mapSpan(s);
      const mapMs = performance.now() - t;
      current = [];
      t = performance.now();
      await ingestSpans(actor, spans);
      const totalMs = performance.now() - t;
      const queries = current;
      current = null;
      if (warm) continue;
      add("decode (protobuf → spans)", decodeMs);
      add("map (spans → steps)", mapMs);
      add("ingestSpans (map + transaction)", totalMs);
      const perText = new Map<string, number>();
      for (const q of queries) perText.set(q.sql, (perText.get(q.sql) ?? 0) + q.ms);
      for (const [sql, ms] of perText) add(`  sql: ${sql}`, ms);
    }
    console.log(`\nmedian of ${REQUESTS} requests × 1,000 spans (ms)\n`);
    for (const [name, xs] of stages) console.log(`${median(xs).toFixed(1).padStart(7)}  ${name}`);
    await client.$disconnect();
    await pool.end();
    await admin.end();
  } finally {
    if (server.owned) await server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
