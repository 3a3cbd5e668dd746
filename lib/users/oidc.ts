/** Maps an OpenID Connect identity to a Flightdeck user, creating one on first sign-in. */
import { appendAudit } from "@/lib/audit";
import { db } from "@/lib/db";
import type { Role } from "@/lib/rbac";
import { recordSignIn } from "./sign-in";

export async function findOrProvisionOidcUser(input: {
  subject: string;
  email: string | null;
  name: string | null;
  defaultRole: Role;
}) {
  const email = input.email?.toLowerCase() ?? null;
  return db.$transaction(async (tx) => {
    let user = await tx.user.findUnique({ where: { oidcSubject: input.subject } });
    if (!user && email) {
      const byEmail = await tx.user.findUnique({ where: { email } });
      if (byEmail && !byEmail.oidcSubject) {
        user = await tx.user.update({ where: { id: byEmail.id }, data: { oidcSubject: input.subject } });
        await appendAudit(tx, {
          actor: { type: "USER", id: user.id, label: user.email },
          action: "user.link_oidc",
          targetType: "user",
          targetId: user.id,
          after: { oidcSubject: input.subject },
        });
      }
    }
    if (!user) {
      if (!email) return null;
      user = await tx.user.create({
        data: { email, name: input.name, role: input.defaultRole, oidcSubject: input.subject },
      });
      await appendAudit(tx, {
        actor: { type: "SYSTEM", label: "oidc" },
        action: "user.provision",
        targetType: "user",
        targetId: user.id,
        after: { email, role: user.role, oidcSubject: input.subject },
      });
    }
    if (user.disabled) return null;
    await recordSignIn(tx, user, "oidc");
    return user;
  });
}
