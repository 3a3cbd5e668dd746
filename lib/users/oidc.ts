/** Maps an OpenID Connect identity to a Flightdeck user, creating one on first sign-in. */
import { db } from "@/lib/db";
import type { Role } from "@/lib/rbac";
import { linkOidcSubjectCommand, OIDC_ACTOR, provisionOidcUserCommand } from "./commands";
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
        user = await linkOidcSubjectCommand(tx, { type: "USER", id: byEmail.id, label: byEmail.email }, { userId: byEmail.id, subject: input.subject });
      }
    }
    if (!user) {
      if (!email) return null;
      user = await provisionOidcUserCommand(tx, OIDC_ACTOR, { email, name: input.name, role: input.defaultRole, subject: input.subject });
    }
    if (user.disabled) return null;
    await recordSignIn(tx, user, "oidc");
    return user;
  });
}
