/**
 * The ingestion memory bound: how many bytes of ingestion bodies this process
 * holds at once (INGEST_MAX_INFLIGHT_BYTES, default 64 MiB). Each request takes
 * a lease before reading: its declared Content-Length up front (a refusal then
 * costs no read at all), or, without one, its bytes as they stream in; after
 * gzip, its decompressed size. Past the bound the request is answered 429
 * `rate_limited:ingest_inflight` with Retry-After, which OpenTelemetry
 * exporters retry (OTLP/HTTP: 429 and 503 with Retry-After are retryable), so
 * a burst of maximum-size batches waits instead of exhausting the heap.
 * The lease is released in `finally`, when the answer has been built.
 *
 * One counter per process, on globalThis: Next may load this module once per
 * route bundle, and both ingestion routes must share the bound.
 */
import { NextResponse } from "next/server";
import { readEnv } from "@/lib/env";
import { AppError, toErrorBody } from "@/lib/errors";

/** Seconds a refused sender waits: bodies in flight finish in well under that on a healthy server. */
export const INFLIGHT_RETRY_AFTER_SECONDS = 2;

export class InflightFull extends AppError {
  constructor(limit: number) {
    super(
      "rate_limited:ingest_inflight",
      `The server is already receiving ${limit} bytes of telemetry (INGEST_MAX_INFLIGHT_BYTES); retry after ${INFLIGHT_RETRY_AFTER_SECONDS} s.`,
    );
  }
}

/** A byte budget shared by concurrent requests. */
export class InflightBudget {
  private used = 0;
  constructor(readonly limit: number) {}

  get inUse(): number {
    return this.used;
  }

  /**
   * Takes `bytes`, or answers false when they do not fit. A request alone is always let through (even above the
   * limit, e.g. INGEST_MAX_BODY_BYTES set higher), so a small budget slows ingestion down but never stops it.
   */
  tryTake(bytes: number): boolean {
    if (bytes <= 0) return true;
    if (this.used > 0 && this.used + bytes > this.limit) return false;
    this.used += bytes;
    return true;
  }

  give(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }

  lease(): InflightLease {
    return new InflightLease(this);
  }
}

/** What one request holds; grows, never shrinks, until released. */
export class InflightLease {
  private held = 0;
  private released = false;
  constructor(private readonly budget: InflightBudget) {}

  get bytes(): number {
    return this.held;
  }

  /** Holds at least `bytes` in all; throws InflightFull (429) when the budget cannot grow that far. */
  atLeast(bytes: number): void {
    if (this.released || bytes <= this.held) return;
    if (!this.budget.tryTake(bytes - this.held)) throw new InflightFull(this.budget.limit);
    this.held = bytes;
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.budget.give(this.held);
    this.held = 0;
  }
}

const GLOBAL_KEY = Symbol.for("flightdeck.ingestInflight");
type WithBudget = typeof globalThis & { [GLOBAL_KEY]?: InflightBudget };

/** The process's ingestion budget (INGEST_MAX_INFLIGHT_BYTES). */
export function ingestInflight(): InflightBudget {
  const g = globalThis as WithBudget;
  return (g[GLOBAL_KEY] ??= new InflightBudget(readEnv().INGEST_MAX_INFLIGHT_BYTES));
}

/** The request as the body reader should see it: without a Content-Length, its chunks are counted as they arrive. */
function countedRequest(request: Request, lease: InflightLease): Request {
  if (!request.body || request.headers.get("content-length") !== null) return request;
  let received = 0;
  const counter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      received += chunk.byteLength;
      lease.atLeast(received); // throws InflightFull: the stream errors, the body reader stops, the upload is cancelled
      controller.enqueue(chunk);
    },
  });
  return new Request(request.url, { method: request.method, headers: request.headers, body: request.body.pipeThrough(counter), duplex: "half" } as RequestInit);
}

/** The 429 of a full budget: the API's JSON error shape, with Retry-After. */
export function inflightFullResponse(error: InflightFull): Response {
  const { status, body } = toErrorBody(error);
  return NextResponse.json(body, { status, headers: { "Retry-After": String(INFLIGHT_RETRY_AFTER_SECONDS) } });
}

/**
 * Runs an ingestion handler under a lease of the process's budget: `handle` reads the body from the request it is
 * given and reports the decompressed size with `lease.atLeast`. Other errors go on to apiRoute's error answer.
 */
export async function withIngestInflight(
  request: Request,
  handle: (request: Request, lease: InflightLease) => Promise<Response>,
  budget: InflightBudget = ingestInflight(),
  maxBodyBytes: number = readEnv().INGEST_MAX_BODY_BYTES,
): Promise<Response> {
  const lease = budget.lease();
  try {
    const declared = Number(request.headers.get("content-length") ?? 0);
    // A body declared over INGEST_MAX_BODY_BYTES is the reader's 413 (nothing is read), not a 429 to retry.
    if (Number.isFinite(declared) && declared > 0 && declared <= maxBodyBytes) lease.atLeast(declared);
    return await handle(countedRequest(request, lease), lease);
  } catch (error) {
    if (error instanceof InflightFull) return inflightFullResponse(error);
    throw error;
  } finally {
    lease.release();
  }
}
