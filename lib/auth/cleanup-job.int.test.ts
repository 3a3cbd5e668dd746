import { describe, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "@/lib/audit";
import { db } from "@/lib/db";
import { createUser } from "@/lib/users/commands";
import { authCleanupJob } from "./cleanup-job";
import { createSession } from "./sessions";
import { recordSignInFailure } from "./throttle";

const unique = () => Math.random().toString(36).slice(2, 10);

describe("auth_cleanup job", () => {
  it("deletes stale throttle rows and long-ended sessions, and keeps what is still in use", async () => {
    const user = await createUser(SYSTEM_ACTOR, { email: `j-${unique()}@example.com`, name: null, role: "VIEWER", password: "a-long-password" });
    const now = new Date();
    const old = new Date(now.getTime() - 40 * 24 * 60 * 60_000);
    const ended = await createSession(db, { userId: user.id, now: old });
    const live = await createSession(db, { userId: user.id, now });
    const staleKeys = { account: `account:${unique()}@example.com`, address: `ip:10.5.${unique()}` };
    const freshKeys = { account: `account:${unique()}@example.com`, address: `ip:10.6.${unique()}` };
    await recordSignInFailure(staleKeys, new Date(now.getTime() - 2 * 60 * 60_000));
    await recordSignInFailure(freshKeys, now);

    const summary = await authCleanupJob.run({ now, signal: new AbortController().signal });
    expect(summary).toMatchObject({ sessions: 1 });
    expect(await db.session.findUnique({ where: { id: ended } })).toBeNull();
    expect(await db.session.findUnique({ where: { id: live } })).not.toBeNull();
    expect(await db.signInThrottle.findUnique({ where: { key: staleKeys.account } })).toBeNull();
    expect(await db.signInThrottle.findUnique({ where: { key: freshKeys.account } })).not.toBeNull();
  });
});
