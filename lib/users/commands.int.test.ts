import { afterEach, describe, expect, it } from "vitest";
import { SYSTEM_ACTOR, verifyAuditChain, type Actor } from "@/lib/audit";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { verifyPassword } from "@/lib/passwords";
import { findOrProvisionOidcUser } from "./oidc";
import { createUser, updateUser } from "./commands";

const unique = () => Math.random().toString(36).slice(2, 10);

async function lastSeq(): Promise<bigint> {
  return (await db.auditEvent.findFirst({ orderBy: { seq: "desc" }, select: { seq: true } }))?.seq ?? 0n;
}
function eventsAfter(seq: bigint) {
  return db.auditEvent.findMany({ where: { seq: { gt: seq } }, orderBy: { seq: "asc" } });
}
async function expectAppError(promise: Promise<unknown>, code: string, message?: RegExp) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
  if (message) expect((error as AppError).message).toMatch(message);
}

/** Other test files may leave active admins behind: park them while a test needs exactly the ones it made. */
let parked: string[] = [];
async function parkOtherAdmins(keep: string[]) {
  const others = await db.user.findMany({ where: { role: "ADMIN", disabled: false, id: { notIn: keep } }, select: { id: true } });
  parked = others.map((o) => o.id);
  await db.user.updateMany({ where: { id: { in: parked } }, data: { disabled: true } });
}
afterEach(async () => {
  if (parked.length) await db.user.updateMany({ where: { id: { in: parked } }, data: { disabled: false } });
  parked = [];
});

async function makeUser(role: "ADMIN" | "VIEWER" | "FINANCE" = "VIEWER") {
  return createUser(SYSTEM_ACTOR, { email: `u-${unique()}@example.com`, name: "Test", role, password: "correct horse battery" });
}
const actorFor = (user: { id: string; email: string }): Actor => ({ type: "USER", id: user.id, label: user.email });

describe("users service", () => {
  it("creates a user with a hashed password and one audit event holding the public fields", async () => {
    const seq = await lastSeq();
    const email = `New.Person-${unique()}@Example.com`.toLowerCase();
    const user = await createUser(SYSTEM_ACTOR, { email, name: "New Person", role: "FINANCE", password: "s3cret-password" });
    expect(user).toMatchObject({ email, name: "New Person", role: "FINANCE", disabled: false });

    const row = await db.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(row.passwordHash).not.toContain("s3cret-password");
    expect(await verifyPassword(row.passwordHash, "s3cret-password")).toBe(true);
    expect(await verifyPassword(row.passwordHash, "wrong")).toBe(false);

    const events = await eventsAfter(seq);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ action: "user.create", targetType: "user", targetId: user.id, actorType: "SYSTEM", before: null });
    expect(events[0]!.after).toEqual({ id: user.id, email, name: "New Person", role: "FINANCE", disabled: false });
    expect(JSON.stringify([events[0]!.before, events[0]!.after, events[0]!.metadata])).not.toMatch(/passwordHash|argon2/);
  });

  it("refuses a duplicate e-mail as a conflict and writes no audit event", async () => {
    const user = await makeUser();
    const seq = await lastSeq();
    await expectAppError(
      createUser(SYSTEM_ACTOR, { email: user.email, name: null, role: "ADMIN", password: "another-password" }),
      "conflict:user",
      /already exists/,
    );
    expect(await eventsAfter(seq)).toHaveLength(0);
    expect(await db.user.count({ where: { email: user.email } })).toBe(1);
  });

  it("changes a role with one audit event holding before and after", async () => {
    const admin = await makeUser("ADMIN");
    const user = await makeUser("VIEWER");
    const seq = await lastSeq();
    const after = await updateUser(actorFor(admin), { userId: user.id, role: "FINANCE", disabled: true });
    expect(after).toMatchObject({ role: "FINANCE", disabled: true });
    const events = await eventsAfter(seq);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ action: "user.update", actorType: "USER", actorId: admin.id, actorLabel: admin.email, targetId: user.id });
    expect(events[0]!.before).toMatchObject({ role: "VIEWER", disabled: false });
    expect(events[0]!.after).toMatchObject({ role: "FINANCE", disabled: true });
  });

  it("answers not found for a user that does not exist", async () => {
    await expectAppError(updateUser(SYSTEM_ACTOR, { userId: "no-such-user", role: "VIEWER", disabled: false }), "not_found:user");
  });

  it("never lets the last active admin be demoted or disabled", async () => {
    const only = await makeUser("ADMIN");
    await parkOtherAdmins([only.id]);
    const seq = await lastSeq();
    await expectAppError(updateUser(SYSTEM_ACTOR, { userId: only.id, role: "VIEWER", disabled: false }), "conflict:user", /at least one active admin/);
    await expectAppError(updateUser(SYSTEM_ACTOR, { userId: only.id, role: "ADMIN", disabled: true }), "conflict:user", /at least one active admin/);
    expect(await db.user.findUniqueOrThrow({ where: { id: only.id } })).toMatchObject({ role: "ADMIN", disabled: false });
    expect(await eventsAfter(seq)).toHaveLength(0);

    // A second active admin makes the first one demotable.
    const second = await makeUser("ADMIN");
    await expect(updateUser(actorFor(second), { userId: only.id, role: "VIEWER", disabled: false })).resolves.toMatchObject({ role: "VIEWER" });
  });

  it("lets a disabled admin be changed while one active admin remains", async () => {
    const active = await makeUser("ADMIN");
    const dormant = await makeUser("ADMIN");
    await updateUser(actorFor(active), { userId: dormant.id, role: "ADMIN", disabled: true });
    await parkOtherAdmins([active.id]);
    await expect(updateUser(actorFor(active), { userId: dormant.id, role: "VIEWER", disabled: true })).resolves.toMatchObject({ role: "VIEWER" });
  });

  it("keeps one active admin when two admins demote each other at the same time", async () => {
    // The race window is small: several rounds make a lost update likely to show if the lock goes.
    for (let round = 0; round < 8; round++) {
      const a = await makeUser("ADMIN");
      const b = await makeUser("ADMIN");
      await parkOtherAdmins([a.id, b.id]);
      const results = await Promise.allSettled([
        updateUser(actorFor(a), { userId: b.id, role: "VIEWER", disabled: false }),
        updateUser(actorFor(b), { userId: a.id, role: "VIEWER", disabled: false }),
      ]);
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      const rejected = results.find((r) => r.status === "rejected");
      expect((rejected as PromiseRejectedResult).reason).toMatchObject({ code: "conflict:user" });
      expect(await db.user.count({ where: { id: { in: [a.id, b.id] }, role: "ADMIN", disabled: false } })).toBe(1);
      await db.user.updateMany({ where: { id: { in: [a.id, b.id] } }, data: { disabled: true } });
      await db.user.updateMany({ where: { id: { in: parked } }, data: { disabled: false } });
      parked = [];
    }
  });

  it("does not let an admin demote or disable themselves, even with other admins around", async () => {
    const me = await makeUser("ADMIN");
    await makeUser("ADMIN");
    await expectAppError(updateUser(actorFor(me), { userId: me.id, role: "OPS_LEAD", disabled: false }), "conflict:user", /your own admin role/);
    await expectAppError(updateUser(actorFor(me), { userId: me.id, role: "ADMIN", disabled: true }), "conflict:user", /disable yourself/);
    expect(await db.user.findUniqueOrThrow({ where: { id: me.id } })).toMatchObject({ role: "ADMIN", disabled: false });
  });
});

describe("OpenID Connect provisioning", () => {
  it("creates a user with the default role on first sign-in, then finds it by subject", async () => {
    const subject = `sub-${unique()}`;
    const email = `sso-${unique()}@example.com`;
    const seq = await lastSeq();
    const first = await findOrProvisionOidcUser({ subject, email: email.toUpperCase(), name: "Sso Person", defaultRole: "VIEWER" });
    expect(first).toMatchObject({ email, role: "VIEWER", oidcSubject: subject });
    expect((await eventsAfter(seq)).map((e) => e.action)).toEqual(["user.provision", "user.sign_in"]);

    const again = await findOrProvisionOidcUser({ subject, email: "changed@example.com", name: null, defaultRole: "ADMIN" });
    expect(again?.id).toBe(first!.id);
    expect(again?.role).toBe("VIEWER");
  });

  it("links an existing password account with the same e-mail", async () => {
    const user = await makeUser("FINANCE");
    const subject = `sub-${unique()}`;
    const linked = await findOrProvisionOidcUser({ subject, email: user.email, name: null, defaultRole: "VIEWER" });
    expect(linked).toMatchObject({ id: user.id, role: "FINANCE", oidcSubject: subject });
  });

  it("refuses a disabled user and an identity without an e-mail", async () => {
    const subject = `sub-${unique()}`;
    const user = await findOrProvisionOidcUser({ subject, email: `sso-${unique()}@example.com`, name: null, defaultRole: "VIEWER" });
    await db.user.update({ where: { id: user!.id }, data: { disabled: true } });
    expect(await findOrProvisionOidcUser({ subject, email: user!.email, name: null, defaultRole: "VIEWER" })).toBeNull();
    expect(await findOrProvisionOidcUser({ subject: `sub-${unique()}`, email: null, name: null, defaultRole: "VIEWER" })).toBeNull();
    expect((await verifyAuditChain(db)).ok).toBe(true);
  });
});
