import "server-only";
import { db } from "@/lib/db";

export function listUsers() {
  return db.user.findMany({
    orderBy: [{ disabled: "asc" }, { email: "asc" }],
    select: { id: true, email: true, name: true, role: true, disabled: true, lastLoginAt: true, oidcSubject: true },
  });
}

/** What the profile page shows about its own user: whether there is a password to change, and the live sessions. */
export async function getOwnAccount(userId: string) {
  const now = new Date();
  const [user, sessions] = await Promise.all([
    db.user.findUnique({ where: { id: userId }, select: { passwordHash: true, passwordChangedAt: true, oidcSubject: true } }),
    db.session.findMany({
      where: { userId, revokedAt: null, expiresAt: { gt: now } },
      orderBy: { lastSeenAt: "desc" },
      select: { id: true, createdAt: true, lastSeenAt: true, userAgent: true, ipAddress: true },
      take: 50,
    }),
  ]);
  return {
    hasPassword: Boolean(user?.passwordHash),
    sso: Boolean(user?.oidcSubject),
    passwordChangedAt: user?.passwordChangedAt ?? null,
    sessions,
  };
}
