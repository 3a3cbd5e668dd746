/**
 * Headless setup from the environment, run once when a server boots
 * (instrumentation.ts): INIT_ADMIN_EMAIL/INIT_ADMIN_PASSWORD ensure an admin,
 * INIT_API_KEY ensures an all-scope key with exactly that value.
 */
import "server-only";
import { ensureInitApiKey } from "@/lib/api-keys/service";
import { appendAudit } from "@/lib/audit";
import { db } from "@/lib/db";
import { readEnv } from "@/lib/env";
import { hashPassword, verifyPassword } from "@/lib/passwords";

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
  const passwordHash = await hashPassword(password);
  await db.$transaction(async (tx) => {
    const user = await tx.user.upsert({
      where: { email: normalized },
      create: { email: normalized, name: "Administrator", role: "ADMIN", passwordHash },
      update: { role: "ADMIN", disabled: false, passwordHash },
      select: { id: true, email: true, role: true, disabled: true },
    });
    await appendAudit(tx, {
      actor: { type: "SYSTEM", label: "bootstrap" },
      action: existing ? "user.update" : "user.create",
      targetType: "user",
      targetId: user.id,
      before: existing ? { role: existing.role, disabled: existing.disabled } : null,
      after: user,
      metadata: { source: "INIT_ADMIN_EMAIL" },
    });
  });
}

export async function runBootstrap(): Promise<void> {
  const env = readEnv();
  if (env.INIT_ADMIN_EMAIL && env.INIT_ADMIN_PASSWORD) await ensureInitAdmin(env.INIT_ADMIN_EMAIL, env.INIT_ADMIN_PASSWORD);
  if (env.INIT_API_KEY) await ensureInitApiKey(env.INIT_API_KEY);
}
