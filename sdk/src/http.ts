/**
 * The one way the SDK talks to the console: global `fetch` (or the one given),
 * the API key, a timeout per attempt (`AbortSignal.timeout`), and retries with
 * capped exponential backoff and jitter for requests that are safe to repeat
 * (network errors, timeouts, 429 and 5xx). Error bodies become typed errors; a
 * 423 is handed to `onLocked` (the status cache) and thrown as AgentStoppedError.
 */
import { AgentStoppedError, FlightdeckApiError, FlightdeckNetworkError } from "./errors.js";

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface HttpConfig {
  baseUrl: string;
  apiKey: string;
  agent: string;
  fetch: FetchLike;
  timeoutMs: number;
  retries: number;
  /** Called with a 423's status before AgentStoppedError is thrown. */
  onLocked: (error: AgentStoppedError) => void;
}

export interface RequestOptions {
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
  /** Safe to send again: GET, or a POST the server deduplicates. Only these are retried. */
  idempotent: boolean;
  timeoutMs?: number;
  retries?: number;
  signal?: AbortSignal;
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  /** Parsed JSON, or null for an empty body (204, 304). */
  body: unknown;
}

const BACKOFF_BASE_MS = 200;
const BACKOFF_CAP_MS = 5_000;

/** Full jitter over a doubling window: attempt 0 → up to 200 ms, capped at 5 s. */
export function backoffMs(attempt: number, base = BACKOFF_BASE_MS, cap = BACKOFF_CAP_MS): number {
  const window = Math.min(cap, base * 2 ** attempt);
  return Math.round(window / 2 + Math.random() * (window / 2));
}

/** A timer that never keeps the process alive; ends early (resolving) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, Math.max(0, ms));
    timer.unref?.();
    function done() {
      signal?.removeEventListener("abort", done);
      clearTimeout(timer);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

function retryable(status: number): boolean {
  return status === 429 || status === 502 || status === 503 || status === 504 || status === 500;
}

function retryAfterMs(headers: Headers): number | null {
  const raw = headers.get("retry-after");
  if (!raw) return null;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return Math.min(BACKOFF_CAP_MS, Math.max(0, seconds * 1000));
  const at = Date.parse(raw);
  return Number.isNaN(at) ? null : Math.min(BACKOFF_CAP_MS, Math.max(0, at - Date.now()));
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === "") return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

interface ErrorShape {
  code: string;
  message: string;
  details?: unknown;
}

function errorOf(status: number, body: unknown): ErrorShape {
  const error = body && typeof body === "object" ? (body as { error?: unknown }).error : undefined;
  if (error && typeof error === "object") {
    const e = error as { code?: unknown; message?: unknown; details?: unknown; issues?: unknown };
    return {
      code: typeof e.code === "string" ? e.code : `http_${status}`,
      message: typeof e.message === "string" ? e.message : `HTTP ${status}`,
      details: e.details ?? e.issues,
    };
  }
  return { code: `http_${status}`, message: typeof body === "string" && body ? body.slice(0, 500) : `HTTP ${status}` };
}

/** The AgentStoppedError a 423 answer means. */
export function lockedError(agent: string, body: unknown): AgentStoppedError {
  const { code, message } = errorOf(423, body);
  const status = code.endsWith("agent_tripped") ? "tripped" : "paused";
  // The server's message names who stopped it and why; keep it whole as the reason.
  return new AgentStoppedError(agent, status, message, message);
}

export class Http {
  constructor(private readonly config: HttpConfig) {}

  get agent(): string {
    return this.config.agent;
  }

  get retries(): number {
    return this.config.retries;
  }

  get timeoutMs(): number {
    return this.config.timeoutMs;
  }

  url(path: string, query?: RequestOptions["query"]): string {
    const url = new URL(path.replace(/^\//, ""), this.config.baseUrl.endsWith("/") ? this.config.baseUrl : `${this.config.baseUrl}/`);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url.toString();
  }

  /**
   * Sends the request; answers 2xx and 304 as they are, throws a typed error
   * for anything else. Retries what `idempotent` allows.
   */
  async request(method: string, path: string, options: RequestOptions): Promise<HttpAnswer> {
    const retries = options.idempotent ? (options.retries ?? this.config.retries) : 0;
    const timeoutMs = options.timeoutMs ?? this.config.timeoutMs;
    const headers: Record<string, string> = { Authorization: `Bearer ${this.config.apiKey}`, Accept: "application/json", ...options.headers };
    let body: string | undefined;
    if (options.body !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(options.body);
    }
    const url = this.url(path, options.query);
    for (let attempt = 0; ; attempt++) {
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
      let response: Response;
      try {
        response = await this.config.fetch(url, { method, headers, body, signal });
      } catch (cause) {
        if (options.signal?.aborted) throw options.signal.reason ?? cause;
        const timedOut = timeout.aborted;
        if (attempt < retries) {
          await sleep(backoffMs(attempt), options.signal);
          continue;
        }
        throw new FlightdeckNetworkError(
          timedOut ? `${method} ${path} got no answer within ${timeoutMs} ms.` : `${method} ${path} could not reach Flightdeck at ${this.config.baseUrl}: ${(cause as Error)?.message ?? cause}`,
          timedOut,
          { cause },
        );
      }
      let parsed: unknown;
      try {
        parsed = await readBody(response);
      } catch (cause) {
        // The body stalled past the timeout or the connection dropped mid-answer.
        if (attempt < retries) {
          await sleep(backoffMs(attempt), options.signal);
          continue;
        }
        throw new FlightdeckNetworkError(`${method} ${path}: the answer was cut off.`, timeout.aborted, { cause });
      }
      if ((response.status >= 200 && response.status < 300) || response.status === 304) {
        return { status: response.status, headers: response.headers, body: parsed };
      }
      if (response.status === 423) {
        const stopped = lockedError(this.config.agent, parsed);
        this.config.onLocked(stopped);
        throw stopped;
      }
      if (retryable(response.status) && attempt < retries) {
        await sleep(retryAfterMs(response.headers) ?? backoffMs(attempt), options.signal);
        continue;
      }
      const { code, message, details } = errorOf(response.status, parsed);
      throw new FlightdeckApiError(response.status, code, message, details ?? (response.status === 409 ? parsed : undefined));
    }
  }
}

/** Errors that mean "the console is unavailable right now", as opposed to "it said no". */
export function isUnavailable(error: unknown): boolean {
  if (error instanceof FlightdeckNetworkError) return true;
  return error instanceof FlightdeckApiError && (retryable(error.status) || error.status === 408);
}
