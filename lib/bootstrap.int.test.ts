import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { verifyPassword } from "@/lib/passwords";
import { ensureInitAdmin } from "./bootstrap";

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
