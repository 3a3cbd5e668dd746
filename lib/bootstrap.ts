/**
 * Headless setup from the environment, run once when a server boots
 * (instrumentation.ts): INIT_ADMIN_EMAIL/INIT_ADMIN_PASSWORD ensure an admin,
 * INIT_API_KEY ensures an all-scope key with exactly that value.
 */
import "server-only";
import { ensureInitApiKey } from "@/lib/api-keys/commands";
import { SYSTEM_ACTOR } from "@/lib/audit";
import { execute } from "@/lib/commands";
import { db } from "@/lib/db";
import { readEnv } from "@/lib/env";
import { hashPassword, verifyPassword } from "@/lib/passwords";
import { ensureInitAdminCommand } from "@/lib/users/commands";

const BOOTSTRAP_ACTOR = { ...SYSTEM_ACTOR, label: "bootstrap" };

export async function ensureInitAdmin(email: string, password: string): Promise<void> {
  const normalized = email.toLowerCase();
  const existing = await db.user.findUnique({ where: { email: normalized } });
  if (
    existing?.role === "ADMIN" &&
    !existing.disabled &&
    (await verifyPassword(existing.passwordHash, password))
  ) {
    return;
  }
  await execute(ensureInitAdminCommand, BOOTSTRAP_ACTOR, { email: normalized, passwordHash: await hashPassword(password) });
}

export async function runBootstrap(): Promise<void> {
  const env = readEnv();
  if (env.INIT_ADMIN_EMAIL && env.INIT_ADMIN_PASSWORD) await ensureInitAdmin(env.INIT_ADMIN_EMAIL, env.INIT_ADMIN_PASSWORD);
  if (env.INIT_API_KEY) await ensureInitApiKey(env.INIT_API_KEY);
}
