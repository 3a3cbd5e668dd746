/**
 * Demo data for an empty database: one user per role, then the demo
 * operations (sent through the same ingestion code agents use, once the
 * telemetry area provides it). Safe to call on every start: it does nothing
 * when users exist.
 */
import { appendAudit, SYSTEM_ACTOR } from "@/lib/audit";
import { db } from "@/lib/db";
import { hashPassword } from "@/lib/passwords";
import { DEMO_USERS } from "./demo-users";

export async function seedIfEmpty(log: (line: string) => void = console.log): Promise<boolean> {
  if ((await db.user.count()) > 0) return false;
  log("empty database: seeding demo users");
  for (const u of DEMO_USERS) {
    const passwordHash = await hashPassword(u.password);
    await db.$transaction(async (tx) => {
      const user = await tx.user.create({
        data: { email: u.email, name: u.name, role: u.role, passwordHash },
        select: { id: true, email: true, role: true },
      });
      await appendAudit(tx, {
        actor: { ...SYSTEM_ACTOR, label: "seed" },
        action: "user.create",
        targetType: "user",
        targetId: user.id,
        after: user,
      });
    });
  }
  return true;
}

if (process.argv[1]?.endsWith("seed.ts")) {
  seedIfEmpty()
    .then((seeded) => console.log(seeded ? "Seeded demo data." : "Database not empty; nothing seeded."))
    .finally(() => db.$disconnect());
}
