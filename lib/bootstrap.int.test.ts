import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { verifyPassword } from "@/lib/passwords";
import { SYSTEM_ACTOR } from "@/lib/audit";
import { createUser } from "@/lib/users/commands";
import { DEMO_USERS } from "@/prisma/demo-users";
import { ensureInitAdmin, flagDemoPasswords } from "./bootstrap";

const auditCount = (targetId: string) => db.auditEvent.count({ where: { targetType: "user", targetId } });

describe("INIT_ADMIN_EMAIL / INIT_ADMIN_PASSWORD", () => {
  it("creates the admin once, audited, and does nothing on the next start", async () => {
    await ensureInitAdmin("Ops.Root@Example.com", "first-password-1");
    const user = await db.user.findUniqueOrThrow({ where: { email: "ops.root@example.com" } });
    expect(user.role).toBe("ADMIN");
    expect(await verifyPassword(user.passwordHash, "first-password-1")).toBe(true);
    expect(await auditCount(user.id)).toBe(1);

    await ensureInitAdmin("ops.root@example.com", "first-password-1");
    expect(await auditCount(user.id)).toBe(1);
  });

  it("restores an admin who was demoted, disabled or given another password", async () => {
    const user = await db.user.update({
      where: { email: "ops.root@example.com" },
      data: { role: "VIEWER", disabled: true },
    });
    await ensureInitAdmin("ops.root@example.com", "second-password-2");
    const after = await db.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(after).toMatchObject({ role: "ADMIN", disabled: false });
    expect(await verifyPassword(after.passwordHash, "second-password-2")).toBe(true);
    expect(await verifyPassword(after.passwordHash, "first-password-1")).toBe(false);
    const last = await db.auditEvent.findFirstOrThrow({ where: { targetId: user.id }, orderBy: { seq: "desc" } });
    expect(last).toMatchObject({ action: "user.update", actorType: "SYSTEM" });
    expect(last.before).toEqual({ role: "VIEWER", disabled: true });
  });
});

describe("passwords chosen or published", () => {
  it("keeps the password an INIT_ADMIN chose in the console, while still restoring role and access", async () => {
    await ensureInitAdmin("chooser@example.com", "env-password-1");
    const user = await db.user.findUniqueOrThrow({ where: { email: "chooser@example.com" } });
    const { hashPassword } = await import("@/lib/passwords");
    await db.user.update({ where: { id: user.id }, data: { passwordHash: await hashPassword("my-own-choice"), passwordChangedAt: new Date(), role: "VIEWER" } });
    await ensureInitAdmin("chooser@example.com", "env-password-1");
    const after = await db.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(after.role).toBe("ADMIN");
    expect(await verifyPassword(after.passwordHash, "my-own-choice")).toBe(true);
  });

  it("flags demo users still on their published password, once, and leaves changed ones alone", async () => {
    const [onDemo, changed] = DEMO_USERS;
    for (const u of [onDemo!, changed!]) {
      await db.user.deleteMany({ where: { email: u.email } });
      await createUser(SYSTEM_ACTOR, { email: u.email, name: u.name, role: u.role, password: u.password });
    }
    await db.user.update({ where: { email: changed!.email }, data: { passwordChangedAt: new Date() } });
    expect(await flagDemoPasswords()).toBe(1);
    expect(await flagDemoPasswords()).toBe(0);
    const rows = await db.user.findMany({ where: { email: { in: [onDemo!.email, changed!.email] } }, select: { email: true, demoPassword: true } });
    expect(Object.fromEntries(rows.map((r) => [r.email, r.demoPassword]))).toEqual({ [onDemo!.email]: true, [changed!.email]: false });
  });
});
