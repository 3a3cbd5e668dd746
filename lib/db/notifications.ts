/**
 * The notification hub: the process's one PostgreSQL `LISTEN` connection, and
 * the waiters (long polls) and subscribers (live views) it wakes.
 *
 * Contract: a wake-up says "look again", never "this is the state". A NOTIFY
 * sent while the hub is disconnected is lost, so after a reconnect every waiter
 * and subscriber gets a "reconnected" signal; callers must always re-read state
 * after any wake, reconnect or timeout, and decide from what they read.
 *
 * - Send with `notify(tx, channel, payload)` inside the transaction that makes
 *   the decision: PostgreSQL delivers at COMMIT and drops it on ROLLBACK
 *   (identical payloads in one transaction are delivered once).
 * - Wait without a lost wake-up: `await ready(channel)` (LISTEN is in place),
 *   then read the state, then `waitFor(channel, key, …)`. The waiter is armed
 *   synchronously when `waitFor` is called, so to close the gap between the
 *   read and the wait too, call `waitFor` before the read and abort it (own
 *   AbortSignal) when the read shows you are done.
 * - Payload convention: a JSON object with a string `key` (an escalation's id),
 *   or a bare string that is the key. Channels are a few names fixed in code
 *   (LISTEN is never undone); keys carry the ids.
 *
 * The connection is a dedicated `pg.Client` outside Prisma's pool (a waiter
 * never holds a pooled connection), on DATABASE_DIRECT_URL when set: LISTEN
 * does not survive PgBouncer in transaction mode. It is opened on first use;
 * importing this module never connects or throws (`next build` imports routes
 * without a DATABASE_URL).
 *
 * One file (~410 lines): the hub's connection, reconnect, waiters and
 * subscribers share one state machine, tested as one (notifications.test.ts).
 */
import pg from "pg";
import { db, type Tx } from "@/lib/db";

/** LISTEN takes no bind parameter: channels are plain lowercase identifiers (and quoted anyway). */
const CHANNEL_PATTERN = /^[a-z][a-z0-9_]{0,62}$/;
/** PostgreSQL refuses payloads of 8,000 bytes or more; keep a margin. */
export const MAX_PAYLOAD_BYTES = 7_900;
const BACKOFF_FIRST_MS = 100;
const BACKOFF_MAX_MS = 10_000;
/** setTimeout fires at once for larger delays. */
const MAX_TIMEOUT_MS = 2_147_483_647;

/** What a subscriber hears. */
export type NotificationEvent = { reason: "notified"; payload: unknown } | { reason: "reconnected" };
/** How a wait ended; `waitFor` never rejects for any of these. */
export type WaitResult = NotificationEvent | { reason: "timeout" } | { reason: "aborted" };
export type NotificationListener = (event: NotificationEvent) => void;
export type NotificationPayload = string | object;

export interface WaitOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface NotificationStats {
  connected: boolean;
  /** The LISTEN connection's server process, for pg_stat_activity / pg_terminate_backend. */
  backendPid: number | null;
  channels: string[];
  waiters: number;
  subscribers: number;
  reconnects: number;
}

/** The part of `pg.Client` the hub uses; tests pass a fake. */
export interface ListenClient {
  connect(): Promise<unknown>;
  query(sql: string): Promise<{ rows: unknown[] }>;
  end(): Promise<void>;
  on(event: "notification", listener: (message: { channel: string; payload?: string }) => void): unknown;
  on(event: "error", listener: (error: Error) => void): unknown;
  on(event: "end", listener: () => void): unknown;
}

export function assertChannel(channel: string): void {
  if (!CHANNEL_PATTERN.test(channel)) {
    throw new TypeError(`Notification channel ${JSON.stringify(channel)} must match ${CHANNEL_PATTERN}`);
  }
}

/** The payload as sent: strings as they are, anything else as JSON; refused when PostgreSQL would refuse it. */
export function serializePayload(payload: NotificationPayload): string {
  const text = typeof payload === "string" ? payload : JSON.stringify(payload);
  if (typeof text !== "string") throw new TypeError("Notification payload must be a string or JSON-serialisable");
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > MAX_PAYLOAD_BYTES) {
    throw new RangeError(`Notification payload is ${bytes} bytes; the limit is ${MAX_PAYLOAD_BYTES}: send ids, not rows`);
  }
  return text;
}

/** A received payload: the parsed value when it is a JSON object or array, else the raw string. */
export function parsePayload(raw: string): unknown {
  const first = raw.trimStart()[0];
  if (first !== "{" && first !== "[") return raw;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

/** The key waiters match on: the object's string `key`, or the raw payload itself. */
export function payloadKey(raw: string, parsed: unknown = parsePayload(raw)): string {
  if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) {
    const key = (parsed as { key?: unknown }).key;
    if (typeof key === "string") return key;
  }
  return raw;
}

/** Delay before reconnect attempt `attempt` (0-based): doubling from 100 ms to 10 s, jittered to 50–100 %. */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Connection trouble (errors with a pg or socket code) is expected now and then: one line; anything else with its stack. */
function logProblem(message: string, error?: unknown): void {
  if (error === undefined) return console.warn(`[flightdeck] notifications: ${message}`);
  if (error instanceof Error && "code" in error && typeof error.code === "string") {
    return console.warn(`[flightdeck] notifications: ${message}: ${error.message} (${error.code})`);
  }
  console.error(`[flightdeck] notifications: ${message}`, error);
}

const listenSql = (channel: string) => `LISTEN ${pg.escapeIdentifier(channel)}`;

type Finish = (result: WaitResult) => void;
type Connection = { client: ListenClient; pid: number | null; listens: Map<string, Promise<void>>; dead: boolean };

/**
 * One LISTEN connection and everything waiting on it. Exported for unit tests
 * with a fake client; the app uses the process-wide instance behind the
 * functions below.
 */
export class NotificationHub {
  private readonly waiters = new Map<string, Map<string, Set<Finish>>>();
  private readonly subscribers = new Map<string, Set<NotificationListener>>();
  /** Every channel ever asked for: re-LISTENed on each new connection. */
  private readonly channels = new Set<string>();
  private connection: Connection | null = null;
  private attempt: Promise<Connection> | null = null;
  private failures = 0;
  /** Set when notifications may have been missed (connection lost or never made); cleared by the wake-up. */
  private missed = false;
  private reconnects = 0;
  private closed = false;
  private backoffTimer: { timer: NodeJS.Timeout; wake: () => void } | null = null;

  constructor(
    private readonly createClient: () => ListenClient,
    private readonly log: (message: string, error?: unknown) => void = logProblem,
  ) {}

  /** Resolves once LISTEN on `channel` is in place; rejects if the connection cannot be made now. */
  async ready(channel: string): Promise<void> {
    assertChannel(channel);
    this.channels.add(channel);
    const connection = await this.connected();
    let listening = connection.listens.get(channel);
    if (!listening) {
      listening = connection.client.query(listenSql(channel)).then(() => undefined);
      connection.listens.set(channel, listening);
      listening.catch(() => connection.listens.delete(channel));
    }
    await listening;
  }

  waitFor(channel: string, key: string, { timeoutMs, signal }: WaitOptions): Promise<WaitResult> {
    assertChannel(channel);
    if (!(timeoutMs >= 0)) throw new RangeError("waitFor needs a timeoutMs of 0 or more");
    if (signal?.aborted) return Promise.resolve({ reason: "aborted" });
    if (this.closed) return Promise.resolve({ reason: "timeout" });

    return new Promise<WaitResult>((resolve) => {
      const byKey = this.waiters.get(channel) ?? new Map<string, Set<Finish>>();
      this.waiters.set(channel, byKey);
      const set = byKey.get(key) ?? new Set<Finish>();
      byKey.set(key, set);

      // Every exit path goes through finish, which removes the waiter first.
      const finish: Finish = (result) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        set.delete(finish);
        if (set.size === 0 && byKey.get(key) === set) byKey.delete(key);
        if (byKey.size === 0 && this.waiters.get(channel) === byKey) this.waiters.delete(channel);
        resolve(result);
      };
      const onAbort = () => finish({ reason: "aborted" });
      const timer = setTimeout(() => finish({ reason: "timeout" }), Math.min(timeoutMs, MAX_TIMEOUT_MS));
      signal?.addEventListener("abort", onAbort, { once: true });
      set.add(finish);

      // A failed LISTEN is not this waiter's error: the reconnect wakes it ("reconnected"), or it times out.
      this.listenInBackground(channel);
    });
  }

  subscribe(channel: string, listener: NotificationListener): () => void {
    assertChannel(channel);
    const set = this.subscribers.get(channel) ?? new Set<NotificationListener>();
    this.subscribers.set(channel, set);
    // Wrapped so the same listener function can subscribe twice and unsubscribe once each.
    const entry: NotificationListener = (event) => listener(event);
    set.add(entry);
    this.listenInBackground(channel);
    return () => {
      set.delete(entry);
      if (set.size === 0 && this.subscribers.get(channel) === set) this.subscribers.delete(channel);
    };
  }

  stats(): NotificationStats {
    let waiters = 0;
    for (const byKey of this.waiters.values()) for (const set of byKey.values()) waiters += set.size;
    let subscribers = 0;
    for (const set of this.subscribers.values()) subscribers += set.size;
    return {
      connected: this.connection !== null,
      backendPid: this.connection?.pid ?? null,
      channels: [...this.channels],
      waiters,
      subscribers,
      reconnects: this.reconnects,
    };
  }

  /** Ends the connection; pending waiters resolve "timeout" so their callers re-read and answer. */
  async close(): Promise<void> {
    this.closed = true;
    this.backoffTimer?.wake();
    for (const byKey of [...this.waiters.values()]) {
      for (const set of [...byKey.values()]) for (const finish of [...set]) finish({ reason: "timeout" });
    }
    this.subscribers.clear();
    const connection = this.connection;
    this.connection = null;
    await this.attempt?.catch(() => undefined);
    await connection?.client.end().catch(() => undefined);
  }

  private listenInBackground(channel: string): void {
    this.ready(channel).catch((error: unknown) => {
      if (!this.closed) this.log(`LISTEN ${channel} failed; retrying`, error);
    });
  }

  /** The live connection, or the one attempt under way (including its backoff wait): never two at once. */
  private connected(): Promise<Connection> {
    if (this.connection) return Promise.resolve(this.connection);
    if (!this.attempt) {
      this.attempt = this.open();
      // Observed by whoever awaits it; a background attempt's failure is handled inside open().
      this.attempt.catch(() => undefined);
    }
    return this.attempt;
  }

  private async open(): Promise<Connection> {
    if (this.failures > 0) await this.backoff(backoffDelay(this.failures - 1));
    let client: ListenClient | undefined;
    try {
      if (this.closed) throw new Error("the notification hub is closed");
      client = this.createClient();
      const connection: Connection = { client, pid: null, listens: new Map(), dead: false };
      client.on("notification", (message) => this.dispatch(message.channel, message.payload ?? ""));
      // pg emits "error" then "end" when the server goes away; the listeners also keep the error from crashing the process.
      client.on("error", (error) => this.lost(connection, error));
      client.on("end", () => this.lost(connection));
      await client.connect();
      const [row] = (await client.query("SELECT pg_backend_pid() AS pid")).rows as { pid?: number }[];
      connection.pid = row?.pid ?? null;
      for (const channel of this.channels) connection.listens.set(channel, client.query(listenSql(channel)).then(() => undefined));
      await Promise.all(connection.listens.values());
      if (this.closed) throw new Error("the notification hub is closed");
      // It can die between the last reply and here; keeping a dead connection would mean never reconnecting.
      if (connection.dead) throw new Error("the LISTEN connection ended while opening");

      this.connection = connection;
      this.attempt = null;
      this.failures = 0;
      if (this.missed) {
        this.missed = false;
        this.reconnects += 1;
        this.wakeAll();
      }
      return connection;
    } catch (error) {
      await client?.end().catch(() => undefined);
      this.attempt = null;
      if (!this.closed) {
        this.failures += 1;
        this.missed = true;
        this.log(`connection attempt ${this.failures} failed`, error);
        void this.connected(); // the next attempt, after its backoff
      }
      throw error;
    }
  }

  private lost(connection: Connection, error?: Error): void {
    connection.dead = true;
    if (this.connection !== connection) return;
    this.connection = null;
    connection.client.end().catch(() => undefined);
    if (this.closed) return;
    this.log("LISTEN connection lost; reconnecting", error);
    this.missed = true;
    this.failures = Math.max(this.failures, 1);
    void this.connected();
  }

  private backoff(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.backoffTimer = null;
        resolve();
      };
      // Unref'd: a pending reconnect alone does not keep a script alive.
      const timer = setTimeout(wake, ms);
      timer.unref();
      this.backoffTimer = { timer, wake };
    });
  }

  private dispatch(channel: string, raw: string): void {
    const payload = parsePayload(raw);
    const event: NotificationEvent = { reason: "notified", payload };
    for (const listener of [...(this.subscribers.get(channel) ?? [])]) this.deliver(listener, event);
    const set = this.waiters.get(channel)?.get(payloadKey(raw, payload));
    for (const finish of [...(set ?? [])]) finish(event);
  }

  private wakeAll(): void {
    const event: NotificationEvent = { reason: "reconnected" };
    for (const set of this.subscribers.values()) for (const listener of [...set]) this.deliver(listener, event);
    for (const byKey of [...this.waiters.values()]) {
      for (const set of [...byKey.values()]) for (const finish of [...set]) finish(event);
    }
  }

  private deliver(listener: NotificationListener, event: NotificationEvent): void {
    try {
      listener(event);
    } catch (error) {
      this.log("a subscriber threw", error);
    }
  }
}

function createListenClient(): ListenClient {
  const connectionString = process.env.DATABASE_DIRECT_URL || process.env.DATABASE_URL;
  if (!connectionString) throw new Error("DATABASE_URL is not set: the notification hub cannot LISTEN.");
  return new pg.Client({
    connectionString,
    application_name: "flightdeck-notifications",
    connectionTimeoutMillis: 10_000,
    // An idle LISTEN socket sees no traffic: keepalives notice a dead peer (NAT, failover) so we reconnect.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  }) as ListenClient;
}

const globalForHub = globalThis as unknown as { flightdeckNotificationHub?: NotificationHub };

function hub(): NotificationHub {
  globalForHub.flightdeckNotificationHub ??= new NotificationHub(createListenClient);
  return globalForHub.flightdeckNotificationHub;
}

/** Queues a notification in `tx`: delivered when it commits, never if it rolls back. */
export async function notify(tx: Tx, channel: string, payload: NotificationPayload): Promise<void> {
  assertChannel(channel);
  const text = serializePayload(payload);
  await tx.$executeRaw`SELECT pg_notify(${channel}, ${text})`;
}

/** Sends a notification at once, for code outside a transaction. */
export async function notifyNow(channel: string, payload: NotificationPayload): Promise<void> {
  assertChannel(channel);
  const text = serializePayload(payload);
  await db.$executeRaw`SELECT pg_notify(${channel}, ${text})`;
}

/** Resolves once this process LISTENs on `channel`; notifications committed after that reach it. */
export function ready(channel: string): Promise<void> {
  return hub().ready(channel);
}

/**
 * Waits for a notification on `channel` whose key is `key`, at most `timeoutMs`,
 * or until `signal` aborts (pass `request.signal`), or a reconnect. Armed
 * before it returns; never rejects (a malformed channel or timeout, a
 * programming error, throws at once). Holds no pooled connection.
 */
export function waitFor(channel: string, key: string, options: WaitOptions): Promise<WaitResult> {
  return hub().waitFor(channel, key, options);
}

/** Every payload of `channel`, and "reconnected"; returns the unsubscribe function. */
export function subscribe(channel: string, listener: NotificationListener): () => void {
  return hub().subscribe(channel, listener);
}

export function notificationStats(): NotificationStats {
  return hub().stats();
}

/** For tests and shutdown; the next use opens a new hub. */
export async function closeNotifications(): Promise<void> {
  const current = globalForHub.flightdeckNotificationHub;
  globalForHub.flightdeckNotificationHub = undefined;
  await current?.close();
}
