// The notification hub against the real test PostgreSQL: wake-ups across two
// processes, rolled-back notifies, timeouts and aborts, and surviving the
// LISTEN connection being killed.
import { spawn } from "node:child_process";
import path from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { db } from "@/lib/db";
import {
  closeNotifications,
  notificationStats,
  notify,
  notifyNow,
  ready,
  subscribe,
  waitFor,
  type NotificationEvent,
  type WaitResult,
} from "./notifications";

const ROOT = path.resolve(import.meta.dirname, "../..");
const url = inject("databaseUrl");
// This process LISTENs through DATABASE_DIRECT_URL (tagged so the test can see it is used); the child uses DATABASE_URL.
const DIRECT_APP_NAME = "flightdeck-hub-direct-test";
const directUrl = new URL(url);
directUrl.searchParams.set("application_name", DIRECT_APP_NAME);
process.env.DATABASE_DIRECT_URL = directUrl.toString();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

afterAll(async () => {
  await closeNotifications();
  delete process.env.DATABASE_DIRECT_URL;
});

/** Runs tests/support/hub-waiter.ts in its own Node process: another app instance on the same database. */
function spawnWaiter(channel: string, key: string, timeoutMs: number) {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: url };
  delete env.DATABASE_DIRECT_URL;
  const child = spawn(path.join(ROOT, "node_modules/.bin/tsx"), ["tests/support/hub-waiter.ts", channel, key, String(timeoutMs)], {
    cwd: ROOT,
    env,
  });
  const lines: { value: unknown; at: number }[] = [];
  let stderr = "";
  let onLine: () => void = () => {};
  let buffer = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    buffer += chunk;
    for (let end = buffer.indexOf("\n"); end >= 0; end = buffer.indexOf("\n")) {
      lines.push({ value: JSON.parse(buffer.slice(0, end)), at: performance.now() });
      buffer = buffer.slice(end + 1);
      onLine();
    }
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  const line = (n: number) =>
    new Promise<{ value: unknown; at: number }>((resolve, reject) => {
      const check = () => {
        if (lines.length > n) resolve(lines[n]!);
      };
      onLine = check;
      check();
      void exited.then(() => reject(new Error(`waiter exited before line ${n}: ${stderr}`)));
    });
  return {
    /** LISTEN is in place in the child. */
    ready: () => line(0),
    result: () => line(1) as Promise<{ value: WaitResult & { waitedMs: number }; at: number }>,
    lines,
    exited,
    stderr: () => stderr,
  };
}

describe("a wake-up across two app processes on one database", () => {
  it("wakes the other process's waiter at COMMIT, only for its key, and never for a rolled-back transaction", async () => {
    const a = spawnWaiter("test_channel", "k1", 10_000);
    const b = spawnWaiter("test_channel", "k2", 3_000);
    await a.ready();
    await b.ready();
    await ready("test_channel");

    // Rolled back: delivered to nobody, in this process or the other.
    const local = waitFor("test_channel", "k1", { timeoutMs: 500 });
    await expect(
      db.$transaction(async (tx) => {
        await notify(tx, "test_channel", { key: "k1", decision: "rolled-back" });
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect(await local).toEqual({ reason: "timeout" });
    expect(a.lines).toHaveLength(1);

    // Committed: delivered at COMMIT, not before.
    let committedAt = 0;
    await db.$transaction(async (tx) => {
      await notify(tx, "test_channel", { key: "k1", decision: "approved" });
      await sleep(200);
      expect(a.lines).toHaveLength(1);
      committedAt = performance.now();
    });
    const woken = await a.result();
    const wakeMs = woken.at - committedAt;
    expect(woken.value).toMatchObject({ reason: "notified", payload: { key: "k1", decision: "approved" } });
    expect(wakeMs).toBeLessThan(1_000);
    expect(woken.value.waitedMs).toBeLessThan(10_000);

    // The other key's waiter heard nothing and timed out.
    const other = await b.result();
    expect(other.value).toMatchObject({ reason: "timeout" });
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);
    expect(a.stderr() + b.stderr()).toBe("");
    console.info(`[notifications] cross-process wake-up ${wakeMs.toFixed(1)} ms after COMMIT returned (waited ${woken.value.waitedMs} ms)`);
  });
});

describe("waiting in one process", () => {
  it("ends a wait on timeout and on abort, and leaves no waiter behind", async () => {
    await ready("test_channel");
    let started = performance.now();
    expect(await waitFor("test_channel", "nobody", { timeoutMs: 200 })).toEqual({ reason: "timeout" });
    const timeoutMs = performance.now() - started;
    expect(timeoutMs).toBeGreaterThanOrEqual(195);
    expect(timeoutMs).toBeLessThan(1_000);

    const abort = new AbortController();
    started = performance.now();
    const aborted = waitFor("test_channel", "nobody", { timeoutMs: 10_000, signal: abort.signal });
    expect(notificationStats().waiters).toBe(1);
    setTimeout(() => abort.abort(), 50);
    expect(await aborted).toEqual({ reason: "aborted" });
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(await waitFor("test_channel", "nobody", { timeoutMs: 10_000, signal: AbortSignal.abort() })).toEqual({ reason: "aborted" });
    expect(notificationStats().waiters).toBe(0);
  });

  it("wakes 50 waiters on one notifyNow while Prisma's pool stays free, then forgets them", async () => {
    await ready("test_channel");
    const sentAt: number[] = [];
    const wakeMs: number[] = [];
    const waits = Array.from({ length: 50 }, () =>
      waitFor("test_channel", "many", { timeoutMs: 10_000 }).then((result) => {
        wakeMs.push(performance.now() - sentAt[0]!);
        return result;
      }),
    );
    expect(notificationStats().waiters).toBe(50);
    // 50 waiters, a pool of 10: the waiters hold no pooled connection, so queries still run.
    expect(await db.$queryRaw<{ one: number }[]>`SELECT 1 AS one`).toEqual([{ one: 1 }]);

    sentAt.push(performance.now());
    await notifyNow("test_channel", "many");
    const results = await Promise.all(waits);
    expect(results.every((r) => r.reason === "notified" && r.payload === "many")).toBe(true);
    expect(notificationStats().waiters).toBe(0);
    wakeMs.sort((x, y) => x - y);
    console.info(`[notifications] 50 waiters woken ${wakeMs[0]!.toFixed(1)}–${wakeMs.at(-1)!.toFixed(1)} ms after notifyNow was called`);
  });

  it("gives a subscriber every payload of its channel until it unsubscribes", async () => {
    const heard: NotificationEvent[] = [];
    const unsubscribe = subscribe("test_live", (event) => heard.push(event));
    await ready("test_live");
    await db.$transaction(async (tx) => {
      await notify(tx, "test_live", { key: "e1", status: "DECIDED" });
      await notify(tx, "test_live", "e2");
    });
    const last = waitFor("test_live", "e3", { timeoutMs: 5_000 });
    await notifyNow("test_live", "e3");
    await last;
    unsubscribe();
    await notifyNow("test_live", "e4");
    await waitFor("test_live", "never", { timeoutMs: 200 });
    expect(heard).toEqual([
      { reason: "notified", payload: { key: "e1", status: "DECIDED" } },
      { reason: "notified", payload: "e2" },
      { reason: "notified", payload: "e3" },
    ]);
    expect(notificationStats()).toMatchObject({ subscribers: 0, waiters: 0 });
  });

  it("refuses an oversized payload before it reaches the database", async () => {
    await expect(notifyNow("test_channel", { key: "big", blob: "x".repeat(8_000) })).rejects.toThrow(/limit is 7900/);
    await expect(notifyNow("Test-Channel", "k")).rejects.toThrow(TypeError);
  });
});

describe("the LISTEN connection", () => {
  it("runs outside Prisma's pool, on DATABASE_DIRECT_URL", async () => {
    await ready("test_channel");
    const { backendPid } = notificationStats();
    const rows = await db.$queryRaw<{ application_name: string; query: string }[]>`
      SELECT application_name, query FROM pg_stat_activity WHERE pid = ${backendPid}`;
    expect(rows).toHaveLength(1);
    expect(rows[0]!.application_name).toBe(DIRECT_APP_NAME);
    expect(rows[0]!.query).toMatch(/^LISTEN /);
  });

  it("reconnects after its backend is terminated, wakes everyone with reconnected, and hears new notifies", async () => {
    await ready("test_channel");
    const before = notificationStats();
    const heard: NotificationEvent[] = [];
    const unsubscribe = subscribe("test_channel", (event) => heard.push(event));
    const waiting = waitFor("test_channel", "during-outage", { timeoutMs: 10_000 });

    const killedAt = performance.now();
    const [killed] = await db.$queryRaw<{ terminated: boolean }[]>`SELECT pg_terminate_backend(${before.backendPid}::int) AS terminated`;
    expect(killed?.terminated).toBe(true);
    expect(await waiting).toEqual({ reason: "reconnected" });
    const reconnectMs = performance.now() - killedAt;
    expect(reconnectMs).toBeLessThan(5_000);
    expect(heard).toEqual([{ reason: "reconnected" }]);

    const after = notificationStats();
    expect(after.connected).toBe(true);
    expect(after.backendPid).not.toBe(before.backendPid);
    expect(after.reconnects).toBe(before.reconnects + 1);
    // Re-LISTENed every channel used so far, on the new connection.
    expect(after.channels.sort()).toEqual(["test_channel", "test_live"]);

    const next = waitFor("test_channel", "after-outage", { timeoutMs: 5_000 });
    await db.$transaction((tx) => notify(tx, "test_channel", { key: "after-outage" }));
    expect(await next).toEqual({ reason: "notified", payload: { key: "after-outage" } });
    const live = waitFor("test_live", "still-listening", { timeoutMs: 5_000 });
    await notifyNow("test_live", "still-listening");
    expect(await live).toMatchObject({ reason: "notified" });

    unsubscribe();
    expect(notificationStats()).toMatchObject({ waiters: 0, subscribers: 0 });
    console.info(`[notifications] reconnected and woke waiters ${reconnectMs.toFixed(0)} ms after pg_terminate_backend`);
  });

  it("survives two kills in a row", async () => {
    for (let i = 0; i < 2; i++) {
      await ready("test_channel");
      const waiting = waitFor("test_channel", "kill", { timeoutMs: 10_000 });
      await db.$queryRaw`SELECT pg_terminate_backend(${notificationStats().backendPid}::int)`;
      expect(await waiting).toEqual({ reason: "reconnected" });
    }
    const next = waitFor("test_channel", "alive", { timeoutMs: 5_000 });
    await notifyNow("test_channel", "alive");
    expect(await next).toEqual({ reason: "notified", payload: "alive" });
  });
});
