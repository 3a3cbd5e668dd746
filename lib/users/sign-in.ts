/** What every successful sign-in records, whatever the method. */
import { appendAudit } from "@/lib/audit";
import type { Tx } from "@/lib/db";

export async function recordSignIn(tx: Tx, user: { id: string; email: string }, method: "password" | "oidc"): Promise<void> {
  await tx.user.update({ where: { id: user.id }, data: { lastLoginAt: new Date() } });
  await appendAudit(tx, {
    actor: { type: "USER", id: user.id, label: user.email },
    action: "user.sign_in",
    targetType: "user",
    targetId: user.id,
    metadata: { method },
  });
}
