/**
 * The agent's status (active, paused, tripped) as the SDK knows it: read with
 * `GET /api/v1/agents/{name}/status` (ETag), kept current by a background
 * long-poll (`waitSeconds` + If-None-Match) once `watch()` is called, and
 * updated by every 423 any call gets. Every SDK call asks `assertActive()`
 * first, so a paused or tripped agent stops before its next call.
 *
 * Without the watch, a status is trusted for `maxAgeMs` (the server's own
 * max-age, 2 s), then re-read (a 304 when nothing changed). A status read that
 * fails does not block the call: the server gates agent calls itself (423).
 */
import { AgentStoppedError, FlightdeckApiError, type AgentStatusName } from "./errors.js";
import { backoffMs, isUnavailable, sleep, type Http } from "./http.js";

export interface AgentStatus {
  agent: string;
  status: AgentStatusName;
  reason: string | null;
  since: string | null;
  setBy: string | null;
  breaker: string | null;
}

export type StatusListener = (status: AgentStatus) => void;

const MAX_WAIT_SECONDS = 55;
/** How long a watch loop waits before asking again about an agent the console does not know yet. */
const UNKNOWN_AGENT_RETRY_MS = 5_000;

function parseStatus(agent: string, body: unknown): AgentStatus {
  const b = (body ?? {}) as Partial<Record<keyof AgentStatus, unknown>>;
  const status = b.status === "paused" || b.status === "tripped" ? b.status : "active";
  const text = (v: unknown) => (typeof v === "string" ? v : null);
  return { agent: text(b.agent) ?? agent, status, reason: text(b.reason), since: text(b.since), setBy: text(b.setBy), breaker: text(b.breaker) };
}

export class StatusCache {
  private status: AgentStatus | null = null;
  private etag: string | null = null;
  /** When `status` was last confirmed current (ms). */
  private confirmedAt = 0;
  /** The console answered 404: the agent has sent nothing yet, so nothing stops it. */
  private unknown = false;
  private readonly listeners = new Set<StatusListener>();
  private watcher: { controller: AbortController; done: Promise<void>; healthy: boolean } | null = null;

  constructor(
    private readonly http: Http,
    private readonly maxAgeMs: number,
  ) {}

  get current(): AgentStatus | null {
    return this.status;
  }

  get watching(): boolean {
    return this.watcher !== null;
  }

  private fresh(): boolean {
    if (this.watcher?.healthy) return true;
    return Date.now() - this.confirmedAt <= this.maxAgeMs;
  }

  private set(status: AgentStatus): void {
    const before = this.status;
    this.status = status;
    this.unknown = false;
    this.confirmedAt = Date.now();
    const changed = !before || before.status !== status.status || before.reason !== status.reason || before.since !== status.since;
    if (changed) for (const listener of this.listeners) listener(status);
  }

  /** A 423 from any call: the agent is stopped, whatever the cache said. The ETag no longer describes it. */
  noteLocked(error: AgentStoppedError): void {
    this.etag = null;
    const previous = this.status;
    this.set({ agent: error.agent, status: error.status, reason: error.reason, since: previous?.since ?? null, setBy: previous?.setBy ?? null, breaker: previous?.breaker ?? null });
  }

  onChange(listener: StatusListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** One read; with `waitSeconds` and a known ETag, waits for the next change (304 when none). */
  async read(options: { waitSeconds?: number; retries?: number; timeoutMs?: number; signal?: AbortSignal } = {}): Promise<AgentStatus | null> {
    const wait = this.etag ? Math.min(MAX_WAIT_SECONDS, options.waitSeconds ?? 0) : 0;
    try {
      const answer = await this.http.request("GET", `/api/v1/agents/${encodeURIComponent(this.http.agent)}/status`, {
        idempotent: true,
        query: wait > 0 ? { waitSeconds: wait } : undefined,
        headers: this.etag ? { "If-None-Match": this.etag } : undefined,
        retries: options.retries,
        timeoutMs: options.timeoutMs === undefined ? undefined : options.timeoutMs + wait * 1000,
        signal: options.signal,
      });
      if (answer.status === 304 && this.status) {
        this.confirmedAt = Date.now();
        return this.status;
      }
      this.etag = answer.headers.get("etag");
      this.set(parseStatus(this.http.agent, answer.body));
      return this.status;
    } catch (error) {
      if (error instanceof FlightdeckApiError && error.status === 404) {
        this.unknown = true;
        this.etag = null;
        this.confirmedAt = Date.now();
        return null;
      }
      throw error;
    }
  }

  /** The status, from the cache while it is fresh; during an outage the last one known. */
  async get(): Promise<AgentStatus> {
    if (!this.fresh() || (!this.status && !this.unknown)) {
      try {
        await this.read();
      } catch (error) {
        if (!this.status || !isUnavailable(error)) throw error;
      }
    }
    return this.status ?? { agent: this.http.agent, status: "active", reason: null, since: null, setBy: null, breaker: null };
  }

  /** Throws AgentStoppedError when the agent is paused or tripped; re-reads a stale status first (one quick try). */
  async assertActive(quickTimeoutMs: number): Promise<void> {
    if (!this.fresh()) {
      try {
        await this.read({ retries: 0, timeoutMs: quickTimeoutMs });
      } catch (error) {
        if (error instanceof AgentStoppedError) throw error;
        // Unreachable or refused: the call itself will find out, and the server gates it (423).
      }
    }
    const s = this.status;
    if (s && s.status !== "active") throw new AgentStoppedError(s.agent, s.status, s.reason);
  }

  /** Starts the background long-poll (idempotent). Its timers are unref'ed; `close()` ends it. */
  watch(timeoutMs: number): void {
    if (this.watcher) return;
    const controller = new AbortController();
    const watcher = { controller, healthy: false, done: Promise.resolve() };
    this.watcher = watcher;
    watcher.done = (async () => {
      let failures = 0;
      while (!controller.signal.aborted) {
        try {
          const status = await this.read({ waitSeconds: MAX_WAIT_SECONDS, retries: 0, timeoutMs, signal: controller.signal });
          watcher.healthy = true;
          failures = 0;
          if (status === null) await sleep(UNKNOWN_AGENT_RETRY_MS, controller.signal);
        } catch {
          if (controller.signal.aborted) break;
          // While the console is unreachable the cache is not pushed: fall back to re-reading it per call.
          watcher.healthy = false;
          await sleep(backoffMs(failures++, 500, 30_000), controller.signal);
        }
      }
    })();
  }

  async close(): Promise<void> {
    const watcher = this.watcher;
    if (!watcher) return;
    this.watcher = null;
    watcher.controller.abort();
    await watcher.done;
  }
}
