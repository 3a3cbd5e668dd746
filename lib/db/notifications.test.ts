import { EventEmitter } from "node:events";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  assertChannel,
  backoffDelay,
  MAX_PAYLOAD_BYTES,
  NotificationHub,
  parsePayload,
  payloadKey,
  serializePayload,
  type ListenClient,
} from "./notifications";

/** A pg.Client stand-in: records statements, and lets the test deliver notifications or kill it. */
class FakeClient extends EventEmitter implements ListenClient {
  readonly statements: string[] = [];
  ended = false;
  constructor(
    readonly pid: number,
    private readonly failConnect = false,
    private readonly dieOnListen = false,
  ) {
    super();
  }
  async connect() {
    if (this.failConnect) throw new Error("connection refused");
  }
  async query(sql: string) {
    this.statements.push(sql);
    if (this.dieOnListen && sql.startsWith("LISTEN")) this.kill();
    return { rows: sql.startsWith("SELECT pg_backend_pid") ? [{ pid: this.pid }] : [] };
  }
  async end() {
    if (this.ended) return;
    this.ended = true;
    this.emit("end");
  }
  deliver(channel: string, payload: string) {
    this.emit("notification", { channel, payload });
  }
  kill() {
    this.emit("error", new Error("terminating connection due to administrator command"));
    this.emit("end");
  }
}

function fakeHub(options: { failFirst?: number; dieOnFirstListen?: boolean } = {}) {
  const clients: FakeClient[] = [];
  const logs: string[] = [];
  const hub = new NotificationHub(
    () => {
      const first = clients.length === 0;
      const client = new FakeClient(100 + clients.length, clients.length < (options.failFirst ?? 0), first && options.dieOnFirstListen);
      clients.push(client);
      return client;
    },
    (message) => logs.push(message),
  );
  return { hub, clients, logs, last: () => clients.at(-1)! };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("the pure parts", () => {
  it("accepts only lowercase identifiers as channels", () => {
    for (const ok of ["escalation_decided", "a", "run_42", "a".repeat(63)]) expect(() => assertChannel(ok)).not.toThrow();
    for (const bad of ["", "Escalation", "1run", "run.decided", 'x"; DROP TABLE y; --', "a".repeat(64), "run-decided"]) {
      expect(() => assertChannel(bad)).toThrow(TypeError);
    }
  });

  it("serialises objects as JSON, keeps strings, and refuses what PostgreSQL would refuse", () => {
    expect(serializePayload("k1")).toBe("k1");
    expect(serializePayload({ key: "k1", decision: "approved" })).toBe('{"key":"k1","decision":"approved"}');
    expect(serializePayload("x".repeat(MAX_PAYLOAD_BYTES))).toHaveLength(MAX_PAYLOAD_BYTES);
    expect(() => serializePayload("x".repeat(MAX_PAYLOAD_BYTES + 1))).toThrow(RangeError);
    // Bytes, not characters: 3,000 euro signs are 9,000 bytes.
    expect(() => serializePayload("€".repeat(3_000))).toThrow(/9000 bytes/);
    expect(() => serializePayload({ n: 1n })).toThrow();
    expect(() => serializePayload(() => 1)).toThrow(TypeError);
  });

  it("parses JSON objects and arrays, and leaves every other payload a string", () => {
    expect(parsePayload('{"key":"k1","n":1}')).toEqual({ key: "k1", n: 1 });
    expect(parsePayload("[1,2]")).toEqual([1, 2]);
    expect(parsePayload("123")).toBe("123");
    expect(parsePayload("{not json")).toBe("{not json");
  });

  it("finds the key in the object's key field, or takes the whole payload", () => {
    expect(payloadKey('{"key":"e1","decision":"approved"}')).toBe("e1");
    expect(payloadKey("e1")).toBe("e1");
    expect(payloadKey('{"key":7}')).toBe('{"key":7}');
  });

  it("backs off from 100 ms doubling to 10 s, jittered between half and all of it", () => {
    expect([0, 1, 2, 3].map((a) => backoffDelay(a, () => 1))).toEqual([100, 200, 400, 800]);
    expect(backoffDelay(7, () => 1)).toBe(10_000);
    expect(backoffDelay(1_000, () => 1)).toBe(10_000);
    expect(backoffDelay(0, () => 0)).toBe(50);
    expect(backoffDelay(20, () => 0)).toBe(5_000);
  });
});

describe("NotificationHub (fake client)", () => {
  it("connects lazily, once, and LISTENs each channel once with a quoted identifier", async () => {
    const { hub, clients } = fakeHub();
    expect(clients).toHaveLength(0);
    await Promise.all([hub.ready("run_decided"), hub.ready("run_decided"), hub.ready("escalation_decided")]);
    expect(clients).toHaveLength(1);
    expect(clients[0]!.statements.filter((s) => s.startsWith("LISTEN")).sort()).toEqual([
      'LISTEN "escalation_decided"',
      'LISTEN "run_decided"',
    ]);
    expect(hub.stats()).toMatchObject({ connected: true, backendPid: 100 });
    await hub.close();
  });

  it("wakes only the waiters of the notified key, with the payload, and forgets them", async () => {
    const { hub, last } = fakeHub();
    await hub.ready("ch");
    const a1 = hub.waitFor("ch", "a", { timeoutMs: 5_000 });
    const a2 = hub.waitFor("ch", "a", { timeoutMs: 5_000 });
    const b = hub.waitFor("ch", "b", { timeoutMs: 5_000 });
    expect(hub.stats().waiters).toBe(3);

    last().deliver("ch", '{"key":"a","decision":"approved"}');
    last().deliver("other", "b");
    const expected = { reason: "notified", payload: { key: "a", decision: "approved" } };
    expect(await a1).toEqual(expected);
    expect(await a2).toEqual(expected);
    expect(hub.stats().waiters).toBe(1);

    last().deliver("ch", "b");
    expect(await b).toEqual({ reason: "notified", payload: "b" });
    expect(hub.stats().waiters).toBe(0);
    await hub.close();
  });

  it("ends a wait on timeout or abort, and leaves no waiter behind", async () => {
    vi.useFakeTimers();
    const { hub } = fakeHub();
    const timedOut = hub.waitFor("ch", "a", { timeoutMs: 1_000 });
    const abort = new AbortController();
    const aborted = hub.waitFor("ch", "a", { timeoutMs: 60_000, signal: abort.signal });
    expect(hub.stats().waiters).toBe(2);

    abort.abort();
    expect(await aborted).toEqual({ reason: "aborted" });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await timedOut).toEqual({ reason: "timeout" });
    expect(await hub.waitFor("ch", "a", { timeoutMs: 1_000, signal: AbortSignal.abort() })).toEqual({ reason: "aborted" });
    expect(hub.stats().waiters).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    vi.useRealTimers();
    await hub.close();
  });

  it("refuses a malformed channel or timeout at once", () => {
    const { hub } = fakeHub();
    expect(() => hub.waitFor("Bad-Channel", "a", { timeoutMs: 10 })).toThrow(TypeError);
    expect(() => hub.waitFor("ch", "a", { timeoutMs: Number.NaN })).toThrow(RangeError);
    expect(() => hub.subscribe("bad.channel", () => {})).toThrow(TypeError);
  });

  it("gives subscribers every payload until they unsubscribe, and survives one that throws", async () => {
    const { hub, last } = fakeHub();
    const heard: unknown[] = [];
    const off = hub.subscribe("ch", (event) => heard.push(event));
    hub.subscribe("ch", () => {
      throw new Error("bad listener");
    });
    await hub.ready("ch");
    last().deliver("ch", "a");
    last().deliver("ch", '{"key":"b"}');
    off();
    last().deliver("ch", "c");
    expect(heard).toEqual([
      { reason: "notified", payload: "a" },
      { reason: "notified", payload: { key: "b" } },
    ]);
    expect(hub.stats().subscribers).toBe(1);
    await hub.close();
  });

  it("reconnects with backoff after the connection dies, re-LISTENs, and wakes everyone with reconnected", async () => {
    vi.useFakeTimers();
    const { hub, clients, last } = fakeHub();
    await hub.ready("ch");
    await hub.ready("other");
    const heard: unknown[] = [];
    hub.subscribe("ch", (event) => heard.push(event));
    const waiting = hub.waitFor("ch", "a", { timeoutMs: 60_000 });

    clients[0]!.kill();
    expect(hub.stats().connected).toBe(false);
    await vi.advanceTimersByTimeAsync(100);
    expect(await waiting).toEqual({ reason: "reconnected" });
    expect(heard).toEqual([{ reason: "reconnected" }]);
    expect(clients).toHaveLength(2);
    expect(last().statements.filter((s) => s.startsWith("LISTEN")).sort()).toEqual(['LISTEN "ch"', 'LISTEN "other"']);
    expect(hub.stats()).toMatchObject({ connected: true, backendPid: 101, reconnects: 1, waiters: 0 });

    const next = hub.waitFor("ch", "a", { timeoutMs: 60_000 });
    last().deliver("ch", "a");
    expect(await next).toEqual({ reason: "notified", payload: "a" });
    vi.useRealTimers();
    await hub.close();
  });

  it("keeps trying while the database is down, one attempt at a time, and wakes waiters once it is back", async () => {
    vi.useFakeTimers();
    const { hub, clients, logs } = fakeHub({ failFirst: 3 });
    await expect(hub.ready("ch")).rejects.toThrow("connection refused");
    const waiting = hub.waitFor("ch", "a", { timeoutMs: 60_000 });
    // Callers arriving during the backoff join the pending attempt instead of opening their own.
    const joined = Promise.allSettled([hub.ready("ch"), hub.ready("ch"), hub.ready("other")]);
    expect(clients).toHaveLength(1);
    // Backoff: ≤100 ms, ≤200 ms, then the fourth attempt (≤400 ms) succeeds.
    await vi.advanceTimersByTimeAsync(100);
    await vi.advanceTimersByTimeAsync(200);
    expect(clients.length).toBeLessThanOrEqual(3);
    await vi.advanceTimersByTimeAsync(400);
    expect(clients).toHaveLength(4);
    expect(await waiting).toEqual({ reason: "reconnected" });
    expect((await joined).map((r) => r.status)).toEqual(["rejected", "rejected", "rejected"]);
    expect(logs.filter((m) => m.startsWith("connection attempt"))).toHaveLength(3);
    vi.useRealTimers();
    await hub.close();
  });

  it("does not keep a connection that died while it was being opened", async () => {
    vi.useFakeTimers();
    const { hub, clients } = fakeHub({ dieOnFirstListen: true });
    const waiting = hub.waitFor("ch", "a", { timeoutMs: 60_000 });
    await expect(hub.ready("ch")).rejects.toThrow("ended while opening");
    await vi.advanceTimersByTimeAsync(100);
    expect(clients).toHaveLength(2);
    expect(hub.stats()).toMatchObject({ connected: true, backendPid: 101 });
    expect(await waiting).toEqual({ reason: "reconnected" });
    vi.useRealTimers();
    await hub.close();
  });

  it("answers pending waiters with timeout on close, so their callers re-read and respond", async () => {
    const { hub, clients } = fakeHub();
    await hub.ready("ch");
    const waiting = hub.waitFor("ch", "a", { timeoutMs: 60_000 });
    await hub.close();
    expect(await waiting).toEqual({ reason: "timeout" });
    expect(clients[0]!.ended).toBe(true);
    expect(hub.stats()).toMatchObject({ connected: false, waiters: 0 });
  });
});
