/**
 * Server-side sessions: one `Session` row per sign-in. The JWT cookie carries
 * only the row's id (and the user id), so signing out, a password change or an
 * admin's "sign out everywhere" ends a session on the server: a copied cookie
 * stops working, which a JWT alone cannot do.
 */
// No `server-only` here: the user commands import it, and the seed and start scripts run those outside Next.
import { randomBytes } from "node:crypto";
import { defineCommand } from "@/lib/commands";
import { db, type Tx } from "@/lib/db";
import { readEnv } from "@/lib/env";
import { isRole, type Role } from "@/lib/rbac";

/** Why a session ended, stored on the row for admins and the audit trail. */
export type RevokeReason = "sign_out" | "password_change" | "password_reset" | "role_change" | "disabled" | "sign_out_everywhere" | "sign_out_others";

/** lastSeenAt is written at most this often per session: one read per request, not one write. */
export const TOUCH_INTERVAL_MS = 60_000;

/** 32 random bytes, base64url: unguessable, and the row's primary key. */
export function newSessionId(): string {
  return randomBytes(32).toString("base64url");
}

export function sessionMaxAgeMs(): number {
  return readEnv().SESSION_MAX_AGE_HOURS * 60 * 60_000;
}

export async function createSession(
  tx: Tx,
  input: { userId: string; userAgent?: string | null; ipAddress?: string | null; now?: Date },
): Promise<string> {
  const now = input.now ?? new Date();
  const id = newSessionId();
  await tx.session.create({
    data: {
      id,
      userId: input.userId,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: new Date(now.getTime() + sessionMaxAgeMs()),
      userAgent: input.userAgent?.slice(0, 512) ?? null,
      ipAddress: input.ipAddress?.slice(0, 64) ?? null,
    },
  });
  return id;
}

/**
 * Sign-out: the session ends on the server (a copy of the cookie stops working), audited as the
 * user's `user.sign_out`; nothing happens (and nothing is recorded) when it had already ended.
 */
export async function endSignedOutSession(id: string): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const session = await tx.session.findUnique({ where: { id }, select: { user: { select: { id: true, email: true } } } });
    if (!session) return false;
    return signOutCommand(tx, { type: "USER", id: session.user.id, label: session.user.email }, { sessionId: id });
  });
}

export const signOutCommand = defineCommand("user.sign_out", { user: null }, async (tx, _actor, input: { sessionId: string }) => {
  const { count } = await tx.session.updateMany({
    where: { id: input.sessionId, revokedAt: null },
    data: { revokedAt: new Date(), revokedReason: "sign_out" satisfies RevokeReason },
  });
  return { result: count > 0, audit: count > 0 ? { targetType: "session", targetId: input.sessionId } : null };
});

/** Ends a user's live sessions (all, or all but `exceptId`); returns how many. */
export async function revokeUserSessions(
  tx: Tx,
  userId: string,
  reason: RevokeReason,
  options: { exceptId?: string; now?: Date } = {},
): Promise<number> {
  const { count } = await tx.session.updateMany({
    where: { userId, revokedAt: null, ...(options.exceptId ? { id: { not: options.exceptId } } : {}) },
    data: { revokedAt: options.now ?? new Date(), revokedReason: reason },
  });
  return count;
}

export interface LiveSession {
  sessionId: string;
  user: { id: string; email: string; name: string | null; role: Role; mustChangePassword: boolean; demoPassword: boolean };
}

/**
 * The session and its user when both are still good: not revoked, not
 * expired, the user active. One primary-key read (with the user joined).
 */
export async function readLiveSession(sessionId: string, userId: string, now = new Date()): Promise<LiveSession | null> {
  const row = await db.session.findUnique({
    where: { id: sessionId },
    select: {
      userId: true,
      expiresAt: true,
      revokedAt: true,
      lastSeenAt: true,
      user: { select: { id: true, email: true, name: true, role: true, disabled: true, mustChangePassword: true, demoPassword: true } },
    },
  });
  if (!row || row.userId !== userId || row.revokedAt || row.expiresAt <= now) return null;
  const { user } = row;
  if (user.disabled || !isRole(user.role)) return null;
  if (now.getTime() - row.lastSeenAt.getTime() >= TOUCH_INTERVAL_MS) {
    // Conditional, so concurrent requests of one session write it once; a failed touch must not fail the page.
    await db.session
      .updateMany({ where: { id: sessionId, lastSeenAt: { lt: new Date(now.getTime() - TOUCH_INTERVAL_MS + 1) } }, data: { lastSeenAt: now } })
      .catch((error: unknown) => console.warn("[flightdeck] could not record session activity", error));
  }
  return {
    sessionId,
    user: { id: user.id, email: user.email, name: user.name, role: user.role, mustChangePassword: user.mustChangePassword, demoPassword: user.demoPassword },
  };
}
