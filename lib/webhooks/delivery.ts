/**
 * Sending queued webhook deliveries: claim the due ones, POST them signed,
 * record each result, retry failures with exponential backoff, give up after
 * MAX_ATTEMPTS.
 *
 * Crash safety without holding anything across the network: the claim is one
 * statement (`FOR UPDATE SKIP LOCKED`, so two instances never claim the same
 * row) that counts the attempt and pushes `nextAttemptAt` out by a lease. Its
 * row locks end with that statement. If the process dies before the result is
 * recorded, the lease runs out and the delivery is simply due again. The
 * result is recorded in a second statement fenced on the attempt number, so a
 * sender whose lease was taken over cannot overwrite the newer attempt.
 * Delivery is therefore at least once; receivers deduplicate on the event id.
 */
import { getDb, type Db } from "@/lib/db";
import type { WebhookEnvelope } from "./events";
import { webhookHeaders } from "./signing";

export const MAX_ATTEMPTS = 8;
export const RETRY_BASE_MS = 30_000;
export const RETRY_CAP_MS = 60 * 60_000;
export const SEND_TIMEOUT_MS = 10_000;
/** Longer than one wave of sends (each bounded by SEND_TIMEOUT_MS) plus recording it. */
export const CLAIM_LEASE_MS = 60_000;
/** Deliveries sent at once; the claim takes this many at a time so each lease covers one wave. */
export const DELIVERY_CONCURRENCY = 8;
export const USER_AGENT = "Flightdeck-Webhooks/1";
const MAX_ERROR_LENGTH = 500;
const RESPONSE_SNIPPET_BYTES = 200;

/**
 * How long to wait after the `attempts`-th failed attempt: 30 s × 2^(attempts-1),
 * capped at an hour, minus up to 20 % jitter so endpoints that failed together
 * (an outage) are not all retried in the same second. With 8 attempts the last
 * comes about an hour after the first.
 */
export function retryDelayMs(attempts: number, random: () => number = Math.random): number {
  const exponential = Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** Math.max(0, attempts - 1));
  return Math.round(exponential * (1 - 0.2 * random()));
}

export interface ClaimedDelivery {
  id: string;
  /** The attempt this claim is, counted at claim time; also the fencing token when recording. */
  attempts: number;
  eventId: string;
  eventType: string;
  payload: WebhookEnvelope;
  url: string;
  secret: string;
}

export type SendResult = { ok: true; status: number } | { ok: false; status: number | null; error: string };

export type DeliverySummary = { claimed: number; delivered: number; retrying: number; failed: number; superseded: number };

export interface DeliverOptions {
  /** The tick's time: what is due is decided against it. Defaults to now. */
  now?: Date;
  /** At most this many deliveries in this call. */
  limit?: number;
  fetchImpl?: typeof fetch;
  db?: Db;
  /** Aborts the sends in flight (shutdown); they are recorded as failed attempts and retried. */
  signal?: AbortSignal;
}

const iso = (date: Date) => date.toISOString();

/** Takes up to `limit` due deliveries of enabled endpoints, counting the attempt and leasing them. */
export async function claimDueDeliveries(db: Db, { now, limit }: { now: Date; limit: number }): Promise<ClaimedDelivery[]> {
  return db.$queryRaw<ClaimedDelivery[]>`
    WITH due AS (
      SELECT d."id"
      FROM "WebhookDelivery" d
      JOIN "WebhookEndpoint" e ON e."id" = d."endpointId" AND e."enabled"
      WHERE d."status" = 'PENDING' AND d."nextAttemptAt" <= ${iso(now)}::timestamp(3) AND d."attempts" < ${MAX_ATTEMPTS}
      ORDER BY d."nextAttemptAt", d."id"
      LIMIT ${limit}
      FOR UPDATE OF d SKIP LOCKED
    )
    UPDATE "WebhookDelivery" d
    SET "attempts" = d."attempts" + 1,
        "lastAttemptAt" = ${iso(now)}::timestamp(3),
        "nextAttemptAt" = ${iso(new Date(now.getTime() + CLAIM_LEASE_MS))}::timestamp(3)
    FROM due, "WebhookEndpoint" e
    WHERE d."id" = due."id" AND e."id" = d."endpointId"
    RETURNING d."id", d."attempts", d."eventId", d."eventType", d."payload", e."url", e."secret"`;
}

/**
 * A last attempt whose result never got recorded (its sender died) would stay
 * PENDING forever, since the claim skips exhausted rows: once its lease is
 * over, it is FAILED.
 */
async function failAbandonedLastAttempts(db: Db, now: Date): Promise<number> {
  return db.$executeRaw`
    UPDATE "WebhookDelivery"
    SET "status" = 'FAILED', "lastError" = 'No result was recorded for the last attempt (the sending instance stopped).'
    WHERE "status" = 'PENDING' AND "attempts" >= ${MAX_ATTEMPTS} AND "nextAttemptAt" <= ${iso(now)}::timestamp(3)`;
}

function truncate(text: string, max = MAX_ERROR_LENGTH): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** A network error in one line, with the cause undici hides behind "fetch failed"; never a stack. */
export function describeSendError(error: unknown): string {
  if (!(error instanceof Error)) return truncate(String(error));
  if (error.name === "TimeoutError") return `Timed out after ${SEND_TIMEOUT_MS / 1000} s.`;
  if (error.name === "AbortError") return "Aborted: the server was shutting down.";
  const cause = (error as { cause?: unknown }).cause;
  const detail = cause instanceof Error ? cause.message || (cause as { code?: string }).code : undefined;
  return truncate(detail ? `${error.message}: ${detail}` : error.message);
}

/** The first bytes of an error response, which often say why (a receiver's own error message). */
async function readSnippet(response: Response): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < RESPONSE_SNIPPET_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } catch {
    // Reset or timed out mid-body: the status says enough.
  } finally {
    reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, RESPONSE_SNIPPET_BYTES).toString("utf8");
}

/** The envelope in its documented key order (jsonb stores keys sorted by length). */
function envelopeBody(payload: WebhookEnvelope): string {
  const { id, type, occurredAt, data, text } = payload;
  return JSON.stringify({ id, type, occurredAt, data, text });
}

/** One POST; never throws. */
export async function sendDelivery(delivery: ClaimedDelivery, { fetchImpl = fetch, signal }: { fetchImpl?: typeof fetch; signal?: AbortSignal } = {}): Promise<SendResult> {
  const body = envelopeBody(delivery.payload);
  const timeout = AbortSignal.timeout(SEND_TIMEOUT_MS);
  try {
    const response = await fetchImpl(delivery.url, {
      method: "POST",
      body,
      // A redirect is answered as a failure: following it would send the signed event somewhere nobody configured.
      redirect: "manual",
      signal: signal ? AbortSignal.any([timeout, signal]) : timeout,
      headers: {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        // Wall-clock time, not the tick's `now`: receivers check it against their own clock.
        ...webhookHeaders({ secret: delivery.secret, body, eventId: delivery.eventId, eventType: delivery.eventType, timestamp: Math.floor(Date.now() / 1000) }),
      },
    });
    if (response.status >= 200 && response.status < 300) {
      response.body?.cancel().catch(() => undefined);
      return { ok: true, status: response.status };
    }
    const snippet = await readSnippet(response);
    const location = response.status >= 300 && response.status < 400 ? response.headers.get("location") : null;
    const detail = location ? ` (redirects to ${location}; redirects are not followed)` : snippet ? `: ${snippet}` : "";
    return { ok: false, status: response.status, error: truncate(`HTTP ${response.status}${detail}`) };
  } catch (error) {
    return { ok: false, status: null, error: describeSendError(error) };
  }
}

type Outcome = "delivered" | "retrying" | "failed" | "superseded";

/** Records one attempt's result, unless a later claim of the same delivery has taken over. */
export async function recordResult(db: Db, delivery: ClaimedDelivery, result: SendResult, at: Date): Promise<Outcome> {
  let outcome: Exclude<Outcome, "superseded">;
  let changed: number;
  if (result.ok) {
    outcome = "delivered";
    changed = await db.$executeRaw`
      UPDATE "WebhookDelivery"
      SET "status" = 'DELIVERED', "responseStatus" = ${result.status}, "lastError" = NULL, "deliveredAt" = ${iso(at)}::timestamp(3)
      WHERE "id" = ${delivery.id} AND "status" = 'PENDING' AND "attempts" = ${delivery.attempts}`;
  } else {
    const exhausted = delivery.attempts >= MAX_ATTEMPTS;
    outcome = exhausted ? "failed" : "retrying";
    const next = new Date(at.getTime() + (exhausted ? 0 : retryDelayMs(delivery.attempts)));
    changed = await db.$executeRaw`
      UPDATE "WebhookDelivery"
      SET "status" = ${exhausted ? "FAILED" : "PENDING"}::"WebhookDeliveryStatus", "responseStatus" = ${result.status}::int,
          "lastError" = ${result.error}, "nextAttemptAt" = ${iso(next)}::timestamp(3)
      WHERE "id" = ${delivery.id} AND "status" = 'PENDING' AND "attempts" = ${delivery.attempts}`;
  }
  return changed === 1 ? outcome : "superseded";
}

/**
 * Sends what is due, DELIVERY_CONCURRENCY at a time, up to `limit`. Never
 * throws for a receiver's failure (that is recorded on the delivery); throws
 * only when the database does.
 */
export async function deliverDueWebhooks(options: DeliverOptions = {}): Promise<DeliverySummary> {
  const { limit = 50, fetchImpl = fetch, signal } = options;
  const db = options.db ?? getDb();
  const start = options.now ?? new Date();
  const startedAt = performance.now();
  // The tick's time moved on by the real time spent, so later waves lease from when they claim.
  const clock = () => new Date(start.getTime() + Math.round(performance.now() - startedAt));
  const summary: DeliverySummary = { claimed: 0, delivered: 0, retrying: 0, failed: 0, superseded: 0 };

  summary.failed += await failAbandonedLastAttempts(db, start);
  while (summary.claimed < limit && !signal?.aborted) {
    const wave = Math.min(DELIVERY_CONCURRENCY, limit - summary.claimed);
    const claimed = await claimDueDeliveries(db, { now: clock(), limit: wave });
    summary.claimed += claimed.length;
    const outcomes = await Promise.all(
      claimed.map(async (delivery) => {
        const result = await sendDelivery(delivery, { fetchImpl, signal });
        return recordResult(db, delivery, result, clock());
      }),
    );
    for (const outcome of outcomes) summary[outcome] += 1;
    if (claimed.length < wave) break;
  }
  return summary;
}
