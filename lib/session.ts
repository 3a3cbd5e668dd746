/**
 * The signed-in person, for pages, layouts and server actions. The JWT only
 * says which server-side session it is; that Session row and its user are
 * re-read (once per request, one primary-key read) so a sign-out, a revoked
 * session, a role change or a disabled account counts immediately.
 */
import "server-only";
import { forbidden, redirect } from "next/navigation";
import { cache } from "react";
import type { Actor } from "@/lib/audit";
import { auth } from "@/lib/auth";
import { readLiveSession } from "@/lib/auth/sessions";
import { AppError } from "@/lib/errors";
import { hasScope, isRole, type Role, type Scope } from "@/lib/rbac";

export interface SessionUser {
  id: string;
  email: string;
  name: string | null;
  role: Role;
  /** The server-side session this request belongs to (lib/auth/sessions.ts). */
  sessionId: string;
  /** An admin reset the password: nothing but the profile page until it is changed. */
  mustChangePassword: boolean;
  /** The password is a published demo one: the console shows a banner. */
  demoPassword: boolean;
}

export const getCurrentUser = cache(async (): Promise<SessionUser | null> => {
  const session = await auth();
  const id = session?.user?.id;
  // A JWT without a session id predates server-side sessions: it no longer counts.
  if (!id || !session.sessionId) return null;
  const live = await readLiveSession(session.sessionId, id);
  if (!live || !isRole(live.user.role)) return null;
  return { ...live.user, sessionId: live.sessionId };
});

export const PROFILE_PATH = "/profile";

export function actorOf(user: SessionUser): Actor {
  return { type: "USER", id: user.id, label: user.email };
}

/** For server actions and domain code: throws an AppError the caller turns into a message. */
export async function requireScope(scope: Scope): Promise<SessionUser> {
  const user = await getCurrentUser();
  if (!user) throw new AppError("unauthorized:session", "Your session has ended. Sign in again.");
  if (user.mustChangePassword) throw new AppError("forbidden:password_change", "Change your password on your profile page first.");
  if (!hasScope(user.role, scope)) {
    throw new AppError(`forbidden:${scope}`, `Your role (${user.role}) is not allowed to do this (needs ${scope}).`);
  }
  return user;
}

/** For pages: signed-out → /login; a password to change first → the profile page; lacking the scope → the 403 page. */
export async function requirePageScope(scope: Scope | null): Promise<SessionUser> {
  const user = await getCurrentUser();
  if (!user) redirect("/login");
  if (user.mustChangePassword) redirect(PROFILE_PATH);
  if (scope && !hasScope(user.role, scope)) forbidden();
  return user;
}
