/**
 * `npm run audit:verify`: re-computes the whole audit hash chain and reports
 * the first event where it breaks. Exit code 0 when intact, 1 when broken,
 * 2 when it could not check (no database, bad configuration).
 * Uses DATABASE_URL, or the embedded database under .data/ like `npm start`.
 */
import { disconnectDb, db } from "@/lib/db";
import { verifyAuditChain } from "@/lib/audit";
import { withDatabase } from "./lib/database";

async function main(): Promise<number> {
  return withDatabase(async (url) => {
    process.env.DATABASE_URL = url;
    try {
      const started = performance.now();
      const result = await verifyAuditChain(db);
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      if (result.ok) {
        const last = result.lastSeq === null ? "empty log" : `last #${result.lastSeq}`;
        console.log(`Audit chain OK: ${result.checked} events checked (${last}) in ${seconds}s.`);
        return 0;
      }
      const broken = result.break!;
      console.error(`Audit chain BROKEN at event #${broken.seq} (${broken.reason}): ${broken.message}`);
      console.error(`${result.checked} events before it verified. Treat this as a security incident.`);
      return 1;
    } finally {
      await disconnectDb();
    }
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`audit:verify could not check the chain: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  },
);
