/**
 * Demo data for an empty database: one user per role, the model price table
 * (public list prices), then ~400 demo agent runs of the last 30 days sent
 * through the same ingestion code agents use. Safe to call on every start: it
 * does nothing when users exist. Redaction stays off (no setting written).
 *
 * The demo users' passwords are published (README, start log), so they are
 * seeded only when asked (`demo`: scripts/start.ts passes lib/env.ts's
 * demoEnabled, i.e. the zero-configuration start or FLIGHTDECK_DEMO=1;
 * `npm run db:seed` asks explicitly) and flagged `demoPassword`
 * (the console shows a banner until each is changed). A real deployment gets
 * the price table only, and its first admin from INIT_ADMIN_*.
 */
import { SYSTEM_ACTOR } from "@/lib/audit";
import { execute } from "@/lib/commands";
import { db } from "@/lib/db";
import { seedDemoAgentOps } from "@/lib/demo/agents";
import { seedDemoBudgets } from "@/lib/demo/budgets";
import { seedDemoRegistry } from "@/lib/demo/registry";
import { sendDemo } from "@/lib/demo/send";
import { hashPassword } from "@/lib/passwords";
import { seedModelPrices } from "@/lib/spend/prices/commands";
import { createUserCommand } from "@/lib/users/commands";
import { DEMO_USERS } from "./demo-users";

const SEED_ACTOR = { ...SYSTEM_ACTOR, label: "seed" };
/** Same seed every time: every fresh install shows the same demo (at its own dates). */
export const DEMO_SEED = 42;
export const DEMO_RUNS = Number(process.env.FLIGHTDECK_DEMO_RUNS ?? 400);

/** `demo`: the caller decides (scripts/start.ts from the environment; `npm run db:seed` is asking for it). */
export async function seedIfEmpty(log: (line: string) => void = console.log, demo = true): Promise<boolean> {
  if ((await db.user.count()) > 0) return false;
  if (!demo) {
    if ((await db.modelPrice.count()) === 0) {
      const prices = await db.$transaction((tx) => seedModelPrices(tx, SEED_ACTOR));
      log(`seeded ${prices} model prices (public list prices; check them in Settings › Model prices)`);
    }
    log("no users yet and no demo users (DATABASE_URL or INIT_ADMIN_* is set): INIT_ADMIN_EMAIL/INIT_ADMIN_PASSWORD create the first admin; FLIGHTDECK_DEMO=1 seeds the demo");
    return false;
  }
  log("empty database: seeding demo users");
  const hashes = await Promise.all(DEMO_USERS.map((u) => hashPassword(u.password)));
  for (const [i, u] of DEMO_USERS.entries()) {
    await execute(createUserCommand, SEED_ACTOR, { email: u.email, name: u.name, role: u.role, passwordHash: hashes[i]!, demoPassword: true });
  }

  const prices = await db.$transaction((tx) => seedModelPrices(tx, SEED_ACTOR));
  log(`seeded ${prices} model prices (public list prices; check them in Settings › Model prices)`);

  if (DEMO_RUNS > 0) {
    const summary = await sendDemo({ runs: DEMO_RUNS, seed: DEMO_SEED, spansPerRequest: 1_000, actor: { ...SYSTEM_ACTOR, label: "seed: demo agents" } });
    log(`seeded ${summary.runs} demo runs (${summary.acceptedSpans} spans) in ${(summary.elapsedMs / 1000).toFixed(1)} s`);
    if (summary.rejectedSpans > 0) log(`demo spans rejected by ingestion: ${summary.errors.join("; ")}`);
  }
  const person = async (role: "OPS_LEAD" | "COMPLIANCE") => {
    const u = await db.user.findFirstOrThrow({ where: { role, email: { in: DEMO_USERS.map((d) => d.email) } }, select: { id: true, email: true } });
    return { type: "USER" as const, id: u.id, label: u.email };
  };
  const changes = await seedDemoRegistry(await person("OPS_LEAD"), await person("COMPLIANCE"));
  log(`seeded the demo prompt registry and agent configurations (${changes} changes)`);
  const finance = await db.user.findFirstOrThrow({ where: { role: "FINANCE", email: { in: DEMO_USERS.map((d) => d.email) } }, select: { id: true, email: true } });
  const budgets = await seedDemoBudgets({ type: "USER", id: finance.id, label: finance.email });
  log(`seeded ${budgets} demo budgets`);
  const ops = await person("OPS_LEAD");
  const agentOps = await seedDemoAgentOps(ops);
  log(`seeded ${agentOps.runbooks} agent runbooks and ${agentOps.breakers} breakers; ${agentOps.paused} agent paused by the ops lead`);
  return true;
}

if (process.argv[1]?.endsWith("seed.ts")) {
  seedIfEmpty()
    .then((seeded) => console.log(seeded ? "Seeded demo data." : "Database not empty; nothing seeded."))
    .finally(() => db.$disconnect());
}
