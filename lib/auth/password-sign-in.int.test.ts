import { describe, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "@/lib/audit";
import { db } from "@/lib/db";
import { createUser } from "@/lib/users/commands";
import { attemptPasswordSignIn } from "./password-sign-in";
import { GLOBAL_KEY } from "./throttle";

const unique = () => Math.random().toString(36).slice(2, 10);

async function makeUser() {
  const email = `s-${unique()}@example.com`;
  const user = await createUser(SYSTEM_ACTOR, { email, name: null, role: "ADMIN", password: "the-right-password" });
  return { ...user, password: "the-right-password" };
}

describe("password sign-in", () => {
  it("signs in, creates a live server-side session and records the sign-in", async () => {
    const user = await makeUser();
    const result = await attemptPasswordSignIn({ email: user.email, password: user.password, address: "10.9.0.1", userAgent: "vitest" });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.sessionId).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const session = await db.session.findUniqueOrThrow({ where: { id: result.sessionId } });
    expect(session).toMatchObject({ userId: user.id, revokedAt: null, userAgent: "vitest", ipAddress: "10.9.0.1" });
    expect(session.expiresAt.getTime() - session.createdAt.getTime()).toBe(12 * 60 * 60_000);
  });

  it("ten wrong passwords from an attacker do not keep the owner out: the right password works once the bounded delay has passed", async () => {
    const user = await makeUser();
    let clock = Date.now();
    const now = () => new Date(clock);
    for (let counted = 0; counted < 10; ) {
      const r = await attemptPasswordSignIn({ email: user.email, password: `guess-${counted}`, address: "203.0.113.66", now });
      // Refused attempts (while the delay runs) are not counted: wait it out so that ten guesses land.
      if (!r.ok && r.reason === "throttled") clock += r.retryAfterMs;
      else counted++;
    }
    const early = await attemptPasswordSignIn({ email: user.email, password: user.password, address: "198.51.100.7", now });
    expect(early).toMatchObject({ ok: false, reason: "throttled" });
    if (early.ok || early.reason !== "throttled") return;
    expect(early.retryAfterMs).toBeLessThanOrEqual(30_000);
    clock += early.retryAfterMs;
    const later = await attemptPasswordSignIn({ email: user.email, password: user.password, address: "198.51.100.7", now });
    expect(later.ok).toBe(true);
    // The account starts afresh; the attacker's address keeps its count.
    expect(await db.signInThrottle.findUnique({ where: { key: `account:${user.email}` } })).toBeNull();
    expect((await db.signInThrottle.findUniqueOrThrow({ where: { key: "ip:203.0.113.66" } })).failures).toBe(10);
  });

  it("answers a wrong password, an unknown e-mail and a disabled account alike, and counts each", async () => {
    const user = await makeUser();
    await db.user.update({ where: { id: user.id }, data: { disabled: true } });
    for (const attempt of [
      { email: user.email, password: "wrong-password" },
      { email: `nobody-${unique()}@example.com`, password: "whatever" },
      { email: user.email, password: user.password },
    ]) {
      expect(await attemptPasswordSignIn({ ...attempt, address: `10.8.${unique()}` })).toEqual({ ok: false, reason: "invalid" });
    }
    expect((await db.signInThrottle.findUniqueOrThrow({ where: { key: `account:${user.email}` } })).failures).toBe(2);
  });

  it("waits (never refuses) during a site-wide burst of failures", async () => {
    const user = await makeUser();
    await db.signInThrottle.upsert({
      where: { key: GLOBAL_KEY },
      create: { key: GLOBAL_KEY, failures: 10_000, lastFailureAt: new Date(), nextAllowedAt: new Date() },
      update: { failures: 10_000, lastFailureAt: new Date() },
    });
    const waits: number[] = [];
    const result = await attemptPasswordSignIn({
      email: user.email,
      password: user.password,
      address: "10.7.0.1",
      wait: async (ms) => waits.push(ms),
    });
    expect(result.ok).toBe(true);
    expect(waits).toEqual([1_000]);
    await db.signInThrottle.delete({ where: { key: GLOBAL_KEY } });
  });
});
