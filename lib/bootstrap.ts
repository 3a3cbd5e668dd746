/**
 * Headless setup from the environment, run once when a server boots
 * (instrumentation.ts): INIT_ADMIN_EMAIL/INIT_ADMIN_PASSWORD ensure an admin,
 * INIT_API_KEY ensures an all-scope key with exactly that value. And demo
 * users still on their published password (seeded before such passwords were
 * flagged) are flagged, so the console asks for a change.
 */
import "server-only";
import { ensureInitApiKey } from "@/lib/api-keys/commands";
import { SYSTEM_ACTOR } from "@/lib/audit";
import { execute } from "@/lib/commands";
import { db } from "@/lib/db";
import { readEnv } from "@/lib/env";
import { hashPassword, verifyPassword } from "@/lib/passwords";
import { DEMO_USERS } from "@/prisma/demo-users";
import { ensureInitAdminCommand, flagDemoPasswordsCommand } from "@/lib/users/commands";

const BOOTSTRAP_ACTOR = { ...SYSTEM_ACTOR, label: "bootstrap" };

export async function ensureInitAdmin(email: string, password: string): Promise<void> {
  const normalized = email.toLowerCase();
  const existing = await db.user.findUnique({ where: { email: normalized } });
  // Once the admin has chosen a password in the console (passwordChangedAt), a restart must not
  // quietly put the one from the environment back; role and access are still restored.
  const keepPassword = Boolean(existing?.passwordHash && existing.passwordChangedAt);
  const passwordOk = keepPassword || (await verifyPassword(existing?.passwordHash, password));
  if (existing?.role === "ADMIN" && !existing.disabled && passwordOk) return;
  await execute(ensureInitAdminCommand, BOOTSTRAP_ACTOR, {
    email: normalized,
    passwordHash: passwordOk ? null : await hashPassword(password),
  });
}

/** Flags demo users whose password is still the published one; returns how many it flagged. */
export async function flagDemoPasswords(): Promise<number> {
  const users = await db.user.findMany({
    where: { email: { in: DEMO_USERS.map((u) => u.email) }, demoPassword: false, passwordChangedAt: null },
    select: { id: true, email: true, passwordHash: true },
  });
  let flagged = 0;
  for (const user of users) {
    const demo = DEMO_USERS.find((u) => u.email === user.email);
    if (demo && (await verifyPassword(user.passwordHash, demo.password))) {
      if (await execute(flagDemoPasswordsCommand, BOOTSTRAP_ACTOR, { userId: user.id })) flagged++;
    }
  }
  return flagged;
}

export async function runBootstrap(): Promise<void> {
  const env = readEnv();
  if (env.INIT_ADMIN_EMAIL && env.INIT_ADMIN_PASSWORD) await ensureInitAdmin(env.INIT_ADMIN_EMAIL, env.INIT_ADMIN_PASSWORD);
  if (env.INIT_API_KEY) await ensureInitApiKey(env.INIT_API_KEY);
  const flagged = await flagDemoPasswords();
  if (flagged > 0) console.warn(`[flightdeck] ${flagged} demo user(s) still have their published password; the console asks them to change it`);
}
