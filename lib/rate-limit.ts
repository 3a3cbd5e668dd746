/**
 * The sign-in throttle's policy: how long a key (an account, a client address)
 * must wait after a number of recent failures, and when the whole site slows
 * down. Pure functions; the counts live in PostgreSQL (lib/auth/throttle.ts).
 *
 * Why a delay and not a lock: a lock on an account is a weapon (ten wrong
 * guesses for the admin's e-mail kept the admin out for 15 minutes). A delay
 * capped at ACCOUNT_MAX_DELAY_MS bounds what anyone can do to someone else's
 * account, while still slowing guessing to ~2 attempts a minute per account.
 * Client addresses are the attacker's own resource, so their delay starts
 * later (a shared office NAT makes a few mistakes) but grows faster and higher.
 */

export interface DelayPolicy {
  /** Failures allowed before any delay. */
  freeFailures: number;
  /** The first delay, doubled with each further failure. */
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Per account: 1 s after the 3rd failure, doubling, at most 30 s. */
export const ACCOUNT_POLICY: DelayPolicy = { freeFailures: 2, baseDelayMs: 1_000, maxDelayMs: 30_000 };
/** Per client address: free for 30 failures (a team behind one NAT), then 2 s doubling to 15 min. */
export const ADDRESS_POLICY: DelayPolicy = { freeFailures: 30, baseDelayMs: 2_000, maxDelayMs: 15 * 60_000 };

/** Failures older than this (since the key's last failure) are forgotten. */
export const FAILURE_MEMORY_MS = 60 * 60_000;

/** Above this many failures in a minute across all keys, every attempt waits GLOBAL_DELAY_MS first. */
export const GLOBAL_FAILURES_PER_MINUTE = 300;
export const GLOBAL_WINDOW_MS = 60_000;
export const GLOBAL_DELAY_MS = 1_000;

/** How long a key waits after its `failures`-th recent failure (0: not at all). */
export function delayAfterFailures(failures: number, policy: DelayPolicy): number {
  const over = failures - policy.freeFailures;
  if (over <= 0) return 0;
  // 2 ** 30 already exceeds every cap: no overflow to Infinity for absurd counts.
  return Math.min(policy.baseDelayMs * 2 ** Math.min(over - 1, 30), policy.maxDelayMs);
}

/**
 * Whether the site-wide failure rate calls for the short global delay. The
 * global count starts over after a quiet minute (no failure at all), so it
 * measures the current burst; during a burst of GLOBAL_FAILURES_PER_MINUTE or
 * more, every attempt, right or wrong, first waits GLOBAL_DELAY_MS. It never refuses.
 */
export function globalSlowdownMs(failures: number, lastFailureAt: Date | null, now: Date): number {
  if (!lastFailureAt || now.getTime() - lastFailureAt.getTime() >= GLOBAL_WINDOW_MS) return 0;
  return failures >= GLOBAL_FAILURES_PER_MINUTE ? GLOBAL_DELAY_MS : 0;
}
