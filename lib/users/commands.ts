/**
 * Users and roles: the commands behind Settings › Users, sign-in and single
 * sign-on, and the headless admin of INIT_ADMIN_*. Each writes its audit event
 * in the transaction that makes the change.
 */
import { SYSTEM_ACTOR, type Actor } from "@/lib/audit";
import { defineCommand, execute } from "@/lib/commands";
import { AppError, isUniqueViolation } from "@/lib/errors";
import { hashPassword } from "@/lib/passwords";
import type { Role } from "@/lib/rbac";
import type { CreateUserInput, UpdateUserInput } from "./schemas";

const PUBLIC_FIELDS = { id: true, email: true, name: true, role: true, disabled: true } as const;

/** The password is hashed before the transaction opens (Argon2 takes a while): the command gets the hash. */
type NewUser = Omit<CreateUserInput, "password"> & { passwordHash: string };

export const createUserCommand = defineCommand("user.create", { user: "admin" }, async (tx, _actor, input: NewUser) => {
  const user = await tx.user.create({
    data: { email: input.email, name: input.name, role: input.role, passwordHash: input.passwordHash },
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
  return { result: after, audit: { targetType: "user", targetId: after.id, before, after } };
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

/** INIT_ADMIN_EMAIL: that user exists as an active admin with that password (`passwordHash` made by the caller). */
export const ensureInitAdminCommand = defineCommand("user.create", { user: "admin" }, async (tx, _actor, input: { email: string; passwordHash: string }) => {
  const existing = await tx.user.findUnique({ where: { email: input.email }, select: { role: true, disabled: true } });
  const user = await tx.user.upsert({
    where: { email: input.email },
    create: { email: input.email, name: "Administrator", role: "ADMIN", passwordHash: input.passwordHash },
    update: { role: "ADMIN", disabled: false, passwordHash: input.passwordHash },
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

export const OIDC_ACTOR: Actor = { ...SYSTEM_ACTOR, label: "oidc" };
