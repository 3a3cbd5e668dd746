/**
 * Passwords and sessions: which commands end which sessions, and who may run
 * them. Sessions are made as sign-in makes them (lib/auth/sessions.ts).
 */
import { describe, expect, it } from "vitest";
import { SYSTEM_ACTOR, type Actor } from "@/lib/audit";
import { createSession, endSignedOutSession, readLiveSession, TOUCH_INTERVAL_MS } from "@/lib/auth/sessions";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { verifyPassword } from "@/lib/passwords";
import { changeOwnPassword, createUser, resetPassword, signOutEverywhere, signOutOtherSessions, updateUser } from "./commands";

const unique = () => Math.random().toString(36).slice(2, 10);
const PASSWORD = "correct horse battery";

async function makeUser(role: "ADMIN" | "VIEWER" = "VIEWER") {
  return createUser(SYSTEM_ACTOR, { email: `p-${unique()}@example.com`, name: null, role, password: PASSWORD });
}
const actorFor = (user: { id: string; email: string }): Actor => ({ type: "USER", id: user.id, label: user.email });
const openSessions = (userId: string, n = 2) => Promise.all(Array.from({ length: n }, () => createSession(db, { userId })));
const live = async (userId: string, ids: string[]) => (await Promise.all(ids.map((id) => readLiveSession(id, userId)))).map(Boolean);

async function appErrorOf(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe("server-side sessions", () => {
  it("a live session reads back; sign-out revokes it, so the same cookie stops working", async () => {
    const user = await makeUser();
    const [sid] = await openSessions(user.id, 1);
    expect(await readLiveSession(sid!, user.id)).toMatchObject({ sessionId: sid, user: { id: user.id, demoPassword: false } });
    expect(await readLiveSession(sid!, "someone-else")).toBeNull();
    expect(await endSignedOutSession(sid!)).toBe(true);
    expect(await readLiveSession(sid!, user.id)).toBeNull();
    expect(await db.session.findUniqueOrThrow({ where: { id: sid! } })).toMatchObject({ revokedReason: "sign_out" });
    // Audited as the user's own sign-out, once: signing out an ended session changes and records nothing.
    expect(await endSignedOutSession(sid!)).toBe(false);
    expect(await db.auditEvent.findMany({ where: { action: "user.sign_out", targetId: sid! }, select: { actorId: true } })).toEqual([{ actorId: user.id }]);
  });

  it("an expired session no longer counts, and lastSeenAt is written at most once a minute", async () => {
    const user = await makeUser();
    const past = new Date(Date.now() - 13 * 60 * 60_000);
    const expired = await createSession(db, { userId: user.id, now: past });
    expect(await readLiveSession(expired, user.id)).toBeNull();

    const start = new Date();
    const sid = await createSession(db, { userId: user.id, now: start });
    await readLiveSession(sid, user.id, new Date(start.getTime() + 30_000));
    expect((await db.session.findUniqueOrThrow({ where: { id: sid } })).lastSeenAt).toEqual(start);
    const later = new Date(start.getTime() + TOUCH_INTERVAL_MS + 1);
    await readLiveSession(sid, user.id, later);
    expect((await db.session.findUniqueOrThrow({ where: { id: sid } })).lastSeenAt).toEqual(later);
  });

  it("changing one's own password keeps this session and ends the others; it needs the right current password", async () => {
    const user = await makeUser();
    await db.user.update({ where: { id: user.id }, data: { demoPassword: true } });
    const [current, other] = await openSessions(user.id);
    const wrong = await appErrorOf(
      changeOwnPassword(actorFor(user), { currentPassword: "not-it", newPassword: "a-new-password", confirmPassword: "a-new-password", sessionId: current! }),
    );
    expect(wrong.code).toBe("bad_request:current_password");
    expect(await live(user.id, [current!, other!])).toEqual([true, true]);

    const result = await changeOwnPassword(actorFor(user), {
      currentPassword: PASSWORD,
      newPassword: "a-new-password",
      confirmPassword: "a-new-password",
      sessionId: current!,
    });
    expect(result).toEqual({ revokedSessions: 1, wasRequired: false });
    expect(await live(user.id, [current!, other!])).toEqual([true, false]);
    const row = await db.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(row).toMatchObject({ demoPassword: false, mustChangePassword: false });
    expect(row.passwordChangedAt).not.toBeNull();
    expect(await verifyPassword(row.passwordHash, "a-new-password")).toBe(true);
    const event = await db.auditEvent.findFirstOrThrow({ where: { targetId: user.id }, orderBy: { seq: "desc" } });
    expect(event).toMatchObject({ action: "user.change_password", actorType: "USER", actorId: user.id });
  });

  it("an admin's reset ends every session, sets the password and requires a change; a non-admin cannot reset", async () => {
    const admin = await makeUser("ADMIN");
    const user = await makeUser();
    const sessions = await openSessions(user.id);

    const refused = await appErrorOf(resetPassword(actorFor(user), { userId: admin.id, password: "taken-over-1" }));
    expect(refused.code).toBe("forbidden:admin");
    expect(await verifyPassword((await db.user.findUniqueOrThrow({ where: { id: admin.id } })).passwordHash, PASSWORD)).toBe(true);

    const reset = await resetPassword(actorFor(admin), { userId: user.id });
    expect(reset.password).toHaveLength(24);
    expect(reset.revokedSessions).toBe(2);
    expect(await live(user.id, sessions)).toEqual([false, false]);
    const row = await db.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(row.mustChangePassword).toBe(true);
    expect(await verifyPassword(row.passwordHash, reset.password)).toBe(true);
    const event = await db.auditEvent.findFirstOrThrow({ where: { targetId: user.id }, orderBy: { seq: "desc" } });
    expect(event).toMatchObject({ action: "user.reset_password", actorId: admin.id });
    expect(JSON.stringify([event.before, event.after, event.metadata])).not.toContain(reset.password);

    // Signed in again with the temporary password, they choose their own: the requirement is lifted.
    const [fresh] = await openSessions(user.id, 1);
    expect((await readLiveSession(fresh!, user.id))?.user.mustChangePassword).toBe(true);
    const changed = await changeOwnPassword(actorFor(user), {
      currentPassword: reset.password,
      newPassword: "my-own-password",
      confirmPassword: "my-own-password",
      sessionId: fresh!,
    });
    expect(changed.wasRequired).toBe(true);
    expect((await readLiveSession(fresh!, user.id))?.user.mustChangePassword).toBe(false);
  });

  it("a role change and disabling a user end all their sessions; saving the same role does not", async () => {
    const admin = await makeUser("ADMIN");
    const user = await makeUser();
    const first = await openSessions(user.id);
    await updateUser(actorFor(admin), { userId: user.id, role: "VIEWER", disabled: false });
    expect(await live(user.id, first)).toEqual([true, true]);
    await updateUser(actorFor(admin), { userId: user.id, role: "FINANCE", disabled: false });
    expect(await live(user.id, first)).toEqual([false, false]);
    expect((await db.session.findUniqueOrThrow({ where: { id: first[0]! } })).revokedReason).toBe("role_change");

    const second = await openSessions(user.id);
    await updateUser(actorFor(admin), { userId: user.id, role: "FINANCE", disabled: true });
    expect((await db.session.findUniqueOrThrow({ where: { id: second[0]! } })).revokedReason).toBe("disabled");
  });

  it("sign out everywhere (admin) ends all of a user's sessions; sign out others (own) keeps this one", async () => {
    const admin = await makeUser("ADMIN");
    const user = await makeUser();
    const sessions = await openSessions(user.id, 3);
    const refused = await appErrorOf(signOutEverywhere(actorFor(user), admin.id));
    expect(refused.code).toBe("forbidden:admin");

    expect(await signOutOtherSessions(actorFor(user), sessions[0]!)).toEqual({ revokedSessions: 2 });
    expect(await live(user.id, sessions)).toEqual([true, false, false]);
    expect((await signOutEverywhere(actorFor(admin), user.id)).revokedSessions).toBe(1);
    expect(await live(user.id, sessions)).toEqual([false, false, false]);
  });

  it("an admin cannot reset their own password here (the profile page asks for the current one)", async () => {
    const admin = await makeUser("ADMIN");
    const error = await appErrorOf(resetPassword(actorFor(admin), { userId: admin.id }));
    expect(error.code).toBe("conflict:user");
  });
});
