/** Users and roles: the domain functions behind Settings › Users. Each writes its audit event. */
import "server-only";
import { appendAudit, type Actor } from "@/lib/audit";
import { db } from "@/lib/db";
import { AppError, isUniqueViolation } from "@/lib/errors";
import { hashPassword } from "@/lib/passwords";
import type { CreateUserInput, UpdateUserInput } from "./schemas";

const PUBLIC_FIELDS = { id: true, email: true, name: true, role: true, disabled: true } as const;

export async function createUser(actor: Actor, input: CreateUserInput) {
  const passwordHash = await hashPassword(input.password);
  try {
    return await db.$transaction(async (tx) => {
      const user = await tx.user.create({
        data: { email: input.email, name: input.name, role: input.role, passwordHash },
        select: PUBLIC_FIELDS,
      });
      await appendAudit(tx, { actor, action: "user.create", targetType: "user", targetId: user.id, after: user });
      return user;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError("conflict:user", `A user with e-mail ${input.email} already exists.`);
    throw error;
  }
}

export async function updateUser(actor: Actor, input: UpdateUserInput) {
  return db.$transaction(async (tx) => {
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
    await appendAudit(tx, { actor, action: "user.update", targetType: "user", targetId: after.id, before, after });
    return after;
  });
}
