/**
 * The sign-in throttle's state, in PostgreSQL (`SignInThrottle`) so every
 * instance sees the same counts. Keys: `account:<email>`, `ip:<address>` and
 * `global`. The policy (how long a key waits) is lib/rate-limit.ts.
 *
 * An attempt while a key's `nextAllowedAt` is in the future is refused before
 * the password is checked, and is not counted: hammering a key cannot push its
 * delay further than one more doubling per delay period, so an account is
 * never held longer than ACCOUNT_POLICY.maxDelayMs after its last counted failure.
 */
import "server-only";
import { db } from "@/lib/db";
import {
  ACCOUNT_POLICY,
  ADDRESS_POLICY,
  delayAfterFailures,
  FAILURE_MEMORY_MS,
  GLOBAL_WINDOW_MS,
  globalSlowdownMs,
  type DelayPolicy,
} from "@/lib/rate-limit";

export const GLOBAL_KEY = "global";
export const accountKey = (email: string) => `account:${email.toLowerCase()}`;
export const addressKey = (address: string) => `ip:${address}`;

export interface ThrottleKeys {
  account: string;
  address: string;
}

export interface ThrottleVerdict {
  /** > 0: refuse this attempt without checking the password; try again after this long. */
  refusedForMs: number;
  /** > 0: the site is under a burst of failures; wait this long, then check the password. */
  slowdownMs: number;
}

/** One read of the three keys: whether this attempt may be checked now. */
export async function checkSignInThrottle(keys: ThrottleKeys, now = new Date()): Promise<ThrottleVerdict> {
  const rows = await db.signInThrottle.findMany({ where: { key: { in: [keys.account, keys.address, GLOBAL_KEY] } } });
  let refusedForMs = 0;
  let slowdownMs = 0;
  for (const row of rows) {
    if (row.key === GLOBAL_KEY) slowdownMs = globalSlowdownMs(row.failures, row.lastFailureAt, now);
    else refusedForMs = Math.max(refusedForMs, row.nextAllowedAt.getTime() - now.getTime());
  }
  return { refusedForMs: Math.max(0, refusedForMs), slowdownMs };
}

const POLICY_OF = (key: string): DelayPolicy => (key.startsWith("ip:") ? ADDRESS_POLICY : ACCOUNT_POLICY);

/**
 * Counts one failure on each key, in one statement: `failures = failures + 1`
 * under the row lock of ON CONFLICT, so concurrent failures are all counted.
 * A key whose last failure is older than its memory starts over at 1.
 * Returns each key's count.
 */
export async function recordSignInFailure(keys: ThrottleKeys, now = new Date()): Promise<Record<string, number>> {
  const memoryCutoff = new Date(now.getTime() - FAILURE_MEMORY_MS);
  const globalCutoff = new Date(now.getTime() - GLOBAL_WINDOW_MS);
  const rows = await db.$queryRaw<{ key: string; failures: number }[]>`
    INSERT INTO "SignInThrottle" (key, failures, "lastFailureAt", "nextAllowedAt", "updatedAt")
    VALUES (${keys.account}, 1, ${now}, ${now}, ${now}),
           (${keys.address}, 1, ${now}, ${now}, ${now}),
           (${GLOBAL_KEY}, 1, ${now}, ${now}, ${now})
    ON CONFLICT (key) DO UPDATE SET
      failures = CASE
        WHEN "SignInThrottle"."lastFailureAt" < CASE WHEN "SignInThrottle".key = ${GLOBAL_KEY}
                                                     THEN CAST(${globalCutoff} AS timestamp(3))
                                                     ELSE CAST(${memoryCutoff} AS timestamp(3)) END
        THEN 1
        ELSE "SignInThrottle".failures + 1
      END,
      "lastFailureAt" = GREATEST("SignInThrottle"."lastFailureAt", EXCLUDED."lastFailureAt"),
      "updatedAt" = EXCLUDED."updatedAt"
    RETURNING key, failures`;
  const counts: Record<string, number> = {};
  for (const row of rows) {
    counts[row.key] = row.failures;
    if (row.key === GLOBAL_KEY) continue;
    const delay = delayAfterFailures(row.failures, POLICY_OF(row.key));
    if (delay === 0) continue;
    // GREATEST: a concurrent failure that counted higher keeps its longer delay.
    const next = new Date(now.getTime() + delay);
    await db.$executeRaw`UPDATE "SignInThrottle" SET "nextAllowedAt" = GREATEST("nextAllowedAt", CAST(${next} AS timestamp(3))) WHERE key = ${row.key}`;
  }
  return counts;
}

/** After a correct password: the account starts afresh. The address keeps its count (an attacker owns one right password too). */
export async function resetSignInThrottle(key: string): Promise<void> {
  await db.signInThrottle.deleteMany({ where: { key } });
}

/** Rows nobody has failed on for longer than any key remembers: for the cleanup job. */
export async function deleteStaleThrottleRows(now = new Date()): Promise<number> {
  const before = new Date(now.getTime() - FAILURE_MEMORY_MS);
  const { count } = await db.signInThrottle.deleteMany({ where: { lastFailureAt: { lt: before }, nextAllowedAt: { lt: now } } });
  return count;
}
