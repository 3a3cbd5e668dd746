/**
 * Users and roles: the commands behind Settings › Users, the profile page,
 * sign-in and single sign-on, and the headless admin of INIT_ADMIN_*. Each
 * writes its audit event in the transaction that makes the change; the ones
 * that change who may act (role, disabled, password) end sessions in it too.
 */
import { randomBytes } from "node:crypto";
import { SYSTEM_ACTOR, type Actor } from "@/lib/audit";
import { revokeUserSessions } from "@/lib/auth/sessions";
import { defineCommand, execute } from "@/lib/commands";
import { getDb } from "@/lib/db";
import { AppError, isUniqueViolation } from "@/lib/errors";
import { hashPassword, verifyPassword } from "@/lib/passwords";
import type { Role } from "@/lib/rbac";
import type { ChangePasswordInput, CreateUserInput, ResetPasswordInput, UpdateUserInput } from "./schemas";

const PUBLIC_FIELDS = { id: true, email: true, name: true, role: true, disabled: true } as const;

/** The password is hashed before the transaction opens (Argon2 takes a while): the command gets the hash. */
type NewUser = Omit<CreateUserInput, "password"> & { passwordHash: string; demoPassword?: boolean };

export const createUserCommand = defineCommand("user.create", { user: "admin" }, async (tx, _actor, input: NewUser) => {
  const user = await tx.user.create({
    data: { email: input.email, name: input.name, role: input.role, passwordHash: input.passwordHash, demoPassword: input.demoPassword ?? false },
    select: PUBLIC_FIELDS,
  });
  return { result: user, audit: { targetType: "user", targetId: user.id, after: user } };
});

export const updateUserCommand = defineCommand("user.update", { user: "admin" }, async (tx, actor, input: UpdateUserInput) => {
  const before = await tx.user.findUnique({ where: { id: input.userId }, select: PUBLIC_FIELDS });
  if (!before) throw new AppError("not_found:user", "That user no longer exists.");
  if (actor.type === "USER" && actor.id === before.id && (input.role !== "ADMIN" || input.disabled)) {
    throw new AppError("conflict:user", "You cannot remove your own admin role or disable yourself; ask another admin.");
  }
  if (before.role === "ADMIN" && !before.disabled && (input.role !== "ADMIN" || input.disabled)) {
    // Lock the active admins' rows: two admins demoting each other at once must not both pass the count.
    const admins = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM "User" WHERE role = 'ADMIN' AND disabled = false FOR UPDATE`;
    if (admins.length <= 1) throw new AppError("conflict:user", "Flightdeck needs at least one active admin.");
  }
  const after = await tx.user.update({
    where: { id: before.id },
    data: { role: input.role, disabled: input.disabled },
    select: PUBLIC_FIELDS,
  });
  // A changed role or a disabled account ends every session: the person signs in again under the new terms.
  const reason = after.disabled && !before.disabled ? "disabled" : after.role !== before.role ? "role_change" : null;
  const revokedSessions = reason ? await revokeUserSessions(tx, after.id, reason) : 0;
  return { result: after, audit: { targetType: "user", targetId: after.id, before, after, metadata: revokedSessions ? { revokedSessions } : undefined } };
});

/**
 * A signed-in user's own new password (`passwordHash` made by the caller,
 * after it checked the current one against `verifiedHash`). Ends the user's
 * other sessions; the one making the change stays.
 */
export const changeOwnPasswordCommand = defineCommand(
  "user.change_password",
  { user: null },
  async (tx, actor, input: { verifiedHash: string; passwordHash: string; sessionId: string }) => {
    if (actor.type !== "USER") throw new Error("A password is changed by its user.");
    const before = await tx.user.findUnique({ where: { id: actor.id }, select: { passwordHash: true, mustChangePassword: true, demoPassword: true } });
    if (!before) throw new AppError("not_found:user", "That user no longer exists.");
    // The current password was checked before the transaction (Argon2 is slow): it must still be the one checked.
    if (before.passwordHash !== input.verifiedHash) throw new AppError("conflict:password", "Your password was changed meanwhile. Sign in again.");
    await tx.user.update({
      where: { id: actor.id },
      data: { passwordHash: input.passwordHash, mustChangePassword: false, demoPassword: false, passwordChangedAt: new Date() },
    });
    const revokedSessions = await revokeUserSessions(tx, actor.id, "password_change", { exceptId: input.sessionId });
    return {
      result: { revokedSessions, wasRequired: before.mustChangePassword },
      audit: {
        targetType: "user",
        targetId: actor.id,
        before: { mustChangePassword: before.mustChangePassword, demoPassword: before.demoPassword },
        after: { mustChangePassword: false, demoPassword: false },
        metadata: { revokedSessions },
      },
    };
  },
);

/** An admin sets another user's password (shown to the admin once) and makes them choose their own at next sign-in. */
export const resetPasswordCommand = defineCommand("user.reset_password", { user: "admin" }, async (tx, actor, input: { userId: string; passwordHash: string }) => {
  if (actor.type === "USER" && actor.id === input.userId) {
    throw new AppError("conflict:user", "Change your own password on your profile page.");
  }
  const before = await tx.user.findUnique({ where: { id: input.userId }, select: { id: true, email: true, mustChangePassword: true, oidcSubject: true } });
  if (!before) throw new AppError("not_found:user", "That user no longer exists.");
  await tx.user.update({
    where: { id: before.id },
    data: { passwordHash: input.passwordHash, mustChangePassword: true, demoPassword: false, passwordChangedAt: new Date() },
  });
  const revokedSessions = await revokeUserSessions(tx, before.id, "password_reset");
  return {
    result: { email: before.email, revokedSessions },
    audit: {
      targetType: "user",
      targetId: before.id,
      before: { mustChangePassword: before.mustChangePassword },
      after: { mustChangePassword: true },
      metadata: { revokedSessions },
    },
  };
});

/** Settings › Users › Sign out everywhere: every session of that user ends. */
export const revokeUserSessionsCommand = defineCommand("user.revoke_sessions", { user: "admin" }, async (tx, _actor, input: { userId: string }) => {
  const user = await tx.user.findUnique({ where: { id: input.userId }, select: { id: true, email: true } });
  if (!user) throw new AppError("not_found:user", "That user no longer exists.");
  const revokedSessions = await revokeUserSessions(tx, user.id, "sign_out_everywhere");
  return { result: { email: user.email, revokedSessions }, audit: { targetType: "user", targetId: user.id, metadata: { revokedSessions, scope: "all" } } };
});

/** Profile › Sign out other sessions: the caller's sessions but this one end. */
export const revokeOwnOtherSessionsCommand = defineCommand("user.revoke_sessions", { user: null }, async (tx, actor, input: { sessionId: string }) => {
  if (actor.type !== "USER") throw new Error("Own sessions are ended by their user.");
  const revokedSessions = await revokeUserSessions(tx, actor.id, "sign_out_others", { exceptId: input.sessionId });
  return {
    result: { revokedSessions },
    audit: revokedSessions ? { targetType: "user", targetId: actor.id, metadata: { revokedSessions, scope: "others" } } : null,
  };
});

/**
 * A demo user seeded before demo passwords were flagged still has its
 * published password: flag it, so the console asks for a change (the caller
 * checked the password; `userIds` are those it matched).
 */
export const flagDemoPasswordsCommand = defineCommand("user.update", { user: "admin" }, async (tx, _actor, input: { userId: string }) => {
  const { count } = await tx.user.updateMany({ where: { id: input.userId, demoPassword: false }, data: { demoPassword: true } });
  return {
    result: count > 0,
    audit: count > 0 ? { targetType: "user", targetId: input.userId, before: { demoPassword: false }, after: { demoPassword: true }, metadata: { source: "demo password check" } } : null,
  };
});

/** What every successful sign-in records, whatever the method; the actor is the user signing in. */
export const recordSignInCommand = defineCommand("user.sign_in", { user: null }, async (tx, actor, input: { method: "password" | "oidc" }) => {
  if (actor.type !== "USER") throw new Error("A sign-in is recorded for a user.");
  await tx.user.update({ where: { id: actor.id }, data: { lastLoginAt: new Date() } });
  return { result: undefined, audit: { targetType: "user", targetId: actor.id, metadata: { method: input.method } } };
});

export const linkOidcSubjectCommand = defineCommand("user.link_oidc", { user: "admin" }, async (tx, _actor, input: { userId: string; subject: string }) => {
  const user = await tx.user.update({ where: { id: input.userId }, data: { oidcSubject: input.subject } });
  return { result: user, audit: { targetType: "user", targetId: user.id, after: { oidcSubject: input.subject } } };
});

export const provisionOidcUserCommand = defineCommand(
  "user.provision",
  { user: "admin" },
  async (tx, _actor, input: { email: string; name: string | null; role: Role; subject: string }) => {
    const user = await tx.user.create({ data: { email: input.email, name: input.name, role: input.role, oidcSubject: input.subject } });
    return { result: user, audit: { targetType: "user", targetId: user.id, after: { email: input.email, role: user.role, oidcSubject: input.subject } } };
  },
);

/**
 * INIT_ADMIN_EMAIL: that user exists as an active admin with that password
 * (`passwordHash` made by the caller; null: keep the one they chose since).
 */
export const ensureInitAdminCommand = defineCommand("user.create", { user: "admin" }, async (tx, _actor, input: { email: string; passwordHash: string | null }) => {
  const existing = await tx.user.findUnique({ where: { email: input.email }, select: { role: true, disabled: true } });
  if (!existing && !input.passwordHash) throw new Error("A new INIT_ADMIN user needs a password.");
  const user = await tx.user.upsert({
    where: { email: input.email },
    create: { email: input.email, name: "Administrator", role: "ADMIN", passwordHash: input.passwordHash },
    update: { role: "ADMIN", disabled: false, ...(input.passwordHash ? { passwordHash: input.passwordHash } : {}) },
    select: { id: true, email: true, role: true, disabled: true },
  });
  return {
    result: user,
    audit: {
      action: existing ? "user.update" : "user.create",
      targetType: "user",
      targetId: user.id,
      before: existing ? { role: existing.role, disabled: existing.disabled } : null,
      after: user,
      metadata: { source: "INIT_ADMIN_EMAIL" },
    },
  };
});

export async function createUser(actor: Actor, input: CreateUserInput) {
  const { password, ...rest } = input;
  try {
    return await execute(createUserCommand, actor, { ...rest, passwordHash: await hashPassword(password) });
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError("conflict:user", `A user with e-mail ${input.email} already exists.`);
    throw error;
  }
}

export const updateUser = (actor: Actor, input: UpdateUserInput) => execute(updateUserCommand, actor, input);

/** The caller's own password: refused unless `currentPassword` is right. */
export async function changeOwnPassword(actor: Actor, input: ChangePasswordInput & { sessionId: string }) {
  if (actor.type !== "USER") throw new Error("A password is changed by its user.");
  const user = await getDb().user.findUnique({ where: { id: actor.id }, select: { passwordHash: true } });
  if (!user?.passwordHash || !(await verifyPassword(user.passwordHash, input.currentPassword))) {
    throw new AppError("bad_request:current_password", "Your current password is not right.");
  }
  if (input.newPassword === input.currentPassword) throw new AppError("bad_request:new_password", "Choose a password different from the current one.");
  return execute(changeOwnPasswordCommand, actor, {
    verifiedHash: user.passwordHash,
    passwordHash: await hashPassword(input.newPassword),
    sessionId: input.sessionId,
  });
}

/** A temporary password: 18 random bytes, base64url (24 characters), shown to the admin once. */
export function temporaryPassword(): string {
  return randomBytes(18).toString("base64url");
}

/** Returns the password set (the admin's, or a generated one) so the admin can hand it over; it is stored only hashed. */
export async function resetPassword(actor: Actor, input: ResetPasswordInput) {
  const password = input.password ?? temporaryPassword();
  const result = await execute(resetPasswordCommand, actor, { userId: input.userId, passwordHash: await hashPassword(password) });
  return { ...result, password };
}

export const signOutEverywhere = (actor: Actor, userId: string) => execute(revokeUserSessionsCommand, actor, { userId });
export const signOutOtherSessions = (actor: Actor, sessionId: string) => execute(revokeOwnOtherSessionsCommand, actor, { sessionId });

export const OIDC_ACTOR: Actor = { ...SYSTEM_ACTOR, label: "oidc" };
