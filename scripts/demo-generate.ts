/**
 * `npm run demo:generate -- --runs N [--days D] [--seed S] [--batch B]`:
 * generates N demo agent runs over the last D days and sends them through
 * the ingestion code agents use, streaming batches of B spans (default 1000),
 * printing progress and spans per second. For demos and benchmarks.
 * Uses DATABASE_URL, or the embedded database under .data/ like `npm start`.
 * The same seed gives the same trace ids: re-sending stores nothing new.
 */
import { parseArgs } from "node:util";
import { SYSTEM_ACTOR } from "@/lib/audit";
import { db, disconnectDb } from "@/lib/db";
import { sendDemo } from "@/lib/demo/send";
import { seedModelPrices } from "@/lib/spend/prices/commands";
import { withDatabase } from "./lib/database";
import { migrateDeploy } from "./lib/prisma-cli";

function positiveInt(name: string, value: string | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    console.error(`--${name} must be a whole number from 1 to ${max}, got "${value}".`);
    process.exit(2);
  }
  return n;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      runs: { type: "string" },
      days: { type: "string" },
      seed: { type: "string" },
      batch: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log("Usage: npm run demo:generate -- --runs N [--days 30] [--seed S] [--batch 1000]");
    return 0;
  }
  const runs = positiveInt("runs", values.runs, 400, 10_000_000);
  const days = positiveInt("days", values.days, 30, 3650);
  const seed = positiveInt("seed", values.seed, Math.floor(Math.random() * 2 ** 31) + 1, 2 ** 32 - 1);
  const spansPerRequest = positiveInt("batch", values.batch, 1_000, 100_000);

  return withDatabase(async (url) => {
    process.env.DATABASE_URL = url;
    try {
      await migrateDeploy(url, true);
      const seededPrices = await db.$transaction((tx) => seedModelPrices(tx, { ...SYSTEM_ACTOR, label: "demo-generator" }));
      if (seededPrices) console.log(`Price table was empty: seeded ${seededPrices} model prices.`);
      console.log(`Generating ${runs} runs over ${days} days (seed ${seed}), ${spansPerRequest} spans per request…`);
      let lastPrint = 0;
      const summary = await sendDemo({
        runs,
        days,
        seed,
        spansPerRequest,
        onProgress: (p) => {
          if (p.elapsedMs - lastPrint < 1_000 && p.runs < p.totalRuns) return;
          lastPrint = p.elapsedMs;
          const rate = Math.round((p.spans / p.elapsedMs) * 1000);
          console.log(`  ${p.runs}/${p.totalRuns} runs, ${p.spans} spans, ${p.requests} requests, ${rate} spans/s`);
        },
      });
      console.log(
        `Done: ${summary.runs} runs, ${summary.spans} spans (${summary.acceptedSpans} accepted, ${summary.rejectedSpans} rejected) ` +
          `in ${(summary.elapsedMs / 1000).toFixed(1)} s = ${summary.spansPerSecond} spans/s.`,
      );
      for (const e of summary.errors) console.error(`  rejected: ${e}`);
      return summary.rejectedSpans > 0 ? 1 : 0;
    } finally {
      await disconnectDb();
    }
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error("demo:generate failed:", error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
