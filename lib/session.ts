/**
 * The signed-in person, for pages, layouts and server actions. The JWT only
 * says who it is; the user row is re-read (once per request) so a role change
 * or a disabled account counts immediately.
 */
import "server-only";
import { forbidden, redirect } from "next/navigation";
import { cache } from "react";
import type { Actor } from "@/lib/audit";
import { auth } from "@/lib/auth";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { hasScope, isRole, type Role, type Scope } from "@/lib/rbac";

export interface SessionUser {
  id: string;
  email: string;
  name: string | null;
  role: Role;
}

export const getCurrentUser = cache(async (): Promise<SessionUser | null> => {
  const session = await auth();
  const id = session?.user?.id;
  if (!id) return null;
  const user = await db.user.findUnique({
    where: { id },
    select: { id: true, email: true, name: true, role: true, disabled: true },
  });
  if (!user || user.disabled || !isRole(user.role)) return null;
  return { id: user.id, email: user.email, name: user.name, role: user.role };
});

export function actorOf(user: SessionUser): Actor {
  return { type: "USER", id: user.id, label: user.email };
}

/** For server actions and domain code: throws an AppError the caller turns into a message. */
export async function requireScope(scope: Scope): Promise<SessionUser> {
  const user = await getCurrentUser();
  if (!user) throw new AppError("unauthorized:session", "Your session has ended. Sign in again.");
  if (!hasScope(user.role, scope)) {
    throw new AppError(`forbidden:${scope}`, `Your role (${user.role}) is not allowed to do this (needs ${scope}).`);
  }
  return user;
}

/** For pages: signed-out → /login; lacking the scope → the 403 page. */
export async function requirePageScope(scope: Scope | null): Promise<SessionUser> {
  const user = await getCurrentUser();
  if (!user) redirect("/login");
  if (scope && !hasScope(user.role, scope)) forbidden();
  return user;
}
