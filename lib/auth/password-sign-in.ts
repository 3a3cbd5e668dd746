/**
 * Signing in with e-mail and password, apart from Auth.js so it can be tested
 * against the database: the throttle (lib/auth/throttle.ts), the password
 * check, and on success the audit event and the server-side session, in one
 * transaction. lib/auth.ts's `authorize` is a thin wrapper around it.
 */
import "server-only";
import { db } from "@/lib/db";
import { hashPassword, verifyPassword } from "@/lib/passwords";
import { isRole, type Role } from "@/lib/rbac";
import { recordSignIn } from "@/lib/users/sign-in";
import { createSession } from "./sessions";
import { accountKey, addressKey, checkSignInThrottle, recordSignInFailure, resetSignInThrottle } from "./throttle";

export type PasswordSignIn =
  | { ok: true; user: { id: string; email: string; name: string | null; role: Role }; sessionId: string }
  | { ok: false; reason: "invalid" }
  | { ok: false; reason: "throttled"; retryAfterMs: number };

// Verifying against a real hash when the user does not exist keeps the answer
// time the same, so sign-in does not reveal which e-mail addresses exist.
let dummyHash: Promise<string> | undefined;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function attemptPasswordSignIn(input: {
  email: string;
  password: string;
  address: string;
  userAgent?: string | null;
  now?: () => Date;
  wait?: (ms: number) => Promise<unknown>;
}): Promise<PasswordSignIn> {
  const now = input.now ?? (() => new Date());
  const keys = { account: accountKey(input.email), address: addressKey(input.address) };
  const verdict = await checkSignInThrottle(keys, now());
  if (verdict.refusedForMs > 0) return { ok: false, reason: "throttled", retryAfterMs: verdict.refusedForMs };
  if (verdict.slowdownMs > 0) await (input.wait ?? sleep)(verdict.slowdownMs);

  const user = await db.user.findUnique({ where: { email: input.email.toLowerCase() } });
  dummyHash ??= hashPassword("flightdeck-timing-equaliser");
  const ok = await verifyPassword(user?.passwordHash ?? (await dummyHash), input.password);
  if (!user || !ok || user.disabled || !isRole(user.role)) {
    await recordSignInFailure(keys, now());
    return { ok: false, reason: "invalid" };
  }
  await resetSignInThrottle(keys.account);
  const sessionId = await db.$transaction(async (tx) => {
    await recordSignIn(tx, user, "password");
    return createSession(tx, { userId: user.id, userAgent: input.userAgent, ipAddress: input.address, now: now() });
  });
  return { ok: true, user: { id: user.id, email: user.email, name: user.name, role: user.role }, sessionId };
}
