import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { accountKey, addressKey, checkSignInThrottle, GLOBAL_KEY, recordSignInFailure, resetSignInThrottle } from "./throttle";

const unique = () => Math.random().toString(36).slice(2, 10);
const keysFor = (email: string, address: string) => ({ account: accountKey(email), address: addressKey(address) });
const at = (base: Date, ms: number) => new Date(base.getTime() + ms);

describe("sign-in throttle store", () => {
  it("counts concurrent failures of one key exactly (one atomic upsert each)", async () => {
    const keys = keysFor(`c-${unique()}@example.com`, `10.1.${unique()}`);
    const now = new Date();
    await Promise.all(Array.from({ length: 25 }, () => recordSignInFailure(keys, now)));
    const rows = await db.signInThrottle.findMany({ where: { key: { in: [keys.account, keys.address] } } });
    expect(rows.map((r) => r.failures)).toEqual([25, 25]);
    // The longest delay won, whatever order the concurrent updates landed in: the account's cap.
    const account = rows.find((r) => r.key === keys.account)!;
    expect(account.nextAllowedAt.getTime() - now.getTime()).toBe(30_000);
  });

  it("refuses an account for at most 30 s after its last counted failure, then lets it try again", async () => {
    const email = `a-${unique()}@example.com`;
    const attacker = keysFor(email, `203.0.113.${unique()}`);
    const now = new Date();
    for (let i = 0; i < 20; i++) await recordSignInFailure(attacker, now);
    // The owner, from another address, waits for the account's delay only.
    const owner = keysFor(email, `198.51.100.${unique()}`);
    const verdict = await checkSignInThrottle(owner, at(now, 1));
    expect(verdict.refusedForMs).toBeGreaterThan(0);
    expect(verdict.refusedForMs).toBeLessThanOrEqual(30_000);
    expect((await checkSignInThrottle(owner, at(now, 30_000))).refusedForMs).toBe(0);
  });

  it("holds an attacking address much longer than any account, without touching other addresses", async () => {
    const attackerAddress = `203.0.113.${unique()}`;
    const now = new Date();
    for (let i = 0; i < 40; i++) await recordSignInFailure(keysFor(`spray-${i}-${unique()}@example.com`, attackerAddress), now);
    const attacker = await checkSignInThrottle(keysFor(`fresh-${unique()}@example.com`, attackerAddress), at(now, 31_000));
    expect(attacker.refusedForMs).toBeGreaterThan(60_000);
    const other = await checkSignInThrottle(keysFor(`fresh-${unique()}@example.com`, `198.51.100.${unique()}`), at(now, 31_000));
    expect(other.refusedForMs).toBe(0);
  });

  it("resets the account key on success, not the address key", async () => {
    const keys = keysFor(`r-${unique()}@example.com`, `10.2.${unique()}`);
    for (let i = 0; i < 5; i++) await recordSignInFailure(keys);
    await resetSignInThrottle(keys.account);
    expect(await db.signInThrottle.findUnique({ where: { key: keys.account } })).toBeNull();
    expect((await db.signInThrottle.findUniqueOrThrow({ where: { key: keys.address } })).failures).toBe(5);
  });

  it("forgets failures an hour old, and counts the global burst", async () => {
    const keys = keysFor(`f-${unique()}@example.com`, `10.3.${unique()}`);
    const longAgo = new Date(Date.now() - 2 * 60 * 60_000);
    for (let i = 0; i < 6; i++) await recordSignInFailure(keys, longAgo);
    const counts = await recordSignInFailure(keys);
    expect(counts[keys.account]).toBe(1);
    expect(counts[GLOBAL_KEY]).toBeGreaterThanOrEqual(1);
  });
});
