/**
 * Clearance before a risky action: `POST /api/v1/escalations`, then
 * `GET /api/v1/escalations/{id}?waitSeconds=N` rounds (N ≤ 55) until a person
 * decides or the agent's deadline passes. It never fails open: only an
 * approval (or "no policy applies") resolves; a rejection, an expiry, a
 * cancellation, the deadline or an abort rejects. While the console is
 * unreachable the wait keeps retrying until the deadline, then cancels the
 * request (DELETE) and throws ClearanceTimeoutError.
 *
 * The request carries the current span's trace and span id, which makes it
 * idempotent on the server (a retry gets the same escalation), so it is
 * retried; without a span it is sent once.
 */
import { ClearanceExpiredError, ClearanceRejectedError, ClearanceTimeoutError, FlightdeckApiError, type ClearanceDecision } from "./errors.js";
import { backoffMs, isUnavailable, sleep, type Http } from "./http.js";
import { activeIds, ATTR, tagSpan } from "./span.js";

export type ToolArguments = Record<string, unknown>;

export interface ClearanceRequest<A extends ToolArguments = ToolArguments> {
  tool: string;
  arguments: A;
  reason?: string;
  /** 0 to 1: the agent's confidence in this action (policies may ask below a level). */
  confidence?: number;
  risk?: "low" | "medium" | "high";
  /** When the agent stops waiting: a Date, or milliseconds from now. Default: the escalation's own deadline, else one hour. */
  deadline?: Date | number;
  /** Defaults to the active span's ids. */
  traceId?: string;
  spanId?: string;
  /** Aborting cancels the request on the console and rejects with the abort reason. */
  signal?: AbortSignal;
}

export interface Clearance<A extends ToolArguments = ToolArguments> {
  escalationId: string;
  status: "cleared" | "approved";
  /** What the agent may run: the approved arguments (a person may have changed them). */
  arguments: A;
  argumentsChanged: boolean;
  comment: string | null;
  decisions: ClearanceDecision[];
}

interface EscalationBody {
  id: string;
  status: "pending" | "cleared" | "approved" | "rejected" | "expired" | "cancelled";
  comment: string | null;
  expiresAt: string | null;
  arguments: ToolArguments;
  approvedArguments: ToolArguments | null;
  argumentsChanged?: boolean;
  decisions?: ClearanceDecision[];
}

const MAX_WAIT_SECONDS = 55;
const DEFAULT_DEADLINE_MS = 60 * 60 * 1000;
/** Waiting past the console's own deadline a little: its deadline job needs a tick to mark it expired. */
const EXPIRY_GRACE_MS = 90_000;

function escalationOf(body: unknown): EscalationBody {
  const b = body as Partial<EscalationBody> | null;
  if (!b || typeof b.id !== "string" || typeof b.status !== "string") throw new TypeError("The console's answer is not an escalation.");
  return {
    id: b.id,
    status: b.status,
    comment: b.comment ?? null,
    expiresAt: b.expiresAt ?? null,
    arguments: b.arguments ?? {},
    approvedArguments: b.approvedArguments ?? null,
    argumentsChanged: b.argumentsChanged,
    decisions: b.decisions ?? [],
  };
}

function deadlineOf(request: ClearanceRequest, escalation: EscalationBody, now: number): Date {
  if (request.deadline instanceof Date) return request.deadline;
  if (typeof request.deadline === "number") return new Date(now + request.deadline);
  const expires = escalation.expiresAt ? Date.parse(escalation.expiresAt) : NaN;
  return new Date(Number.isNaN(expires) ? now + DEFAULT_DEADLINE_MS : expires + EXPIRY_GRACE_MS);
}

/** The decided escalation as a result, or the typed error; null while pending. */
function settle<A extends ToolArguments>(e: EscalationBody): Clearance<A> | null {
  switch (e.status) {
    case "pending":
      return null;
    case "cleared":
    case "approved":
      return {
        escalationId: e.id,
        status: e.status,
        arguments: (e.approvedArguments ?? e.arguments) as A,
        argumentsChanged: e.argumentsChanged ?? false,
        comment: e.comment,
        decisions: e.decisions ?? [],
      };
    case "rejected":
      throw new ClearanceRejectedError(e.id, e.comment, e.decisions);
    case "expired":
    case "cancelled":
      throw new ClearanceExpiredError(e.id, e.status, e.comment);
    default:
      // An unknown status is not an approval.
      throw new ClearanceExpiredError(e.id, "cancelled", `unexpected status ${String(e.status)}`);
  }
}

export async function requireClearance<A extends ToolArguments>(http: Http, request: ClearanceRequest<A>, timeoutMs: number): Promise<Clearance<A>> {
  const ids = request.traceId ? { traceId: request.traceId, spanId: request.spanId } : activeIds();
  const body = {
    agent: http.agent,
    tool: request.tool,
    arguments: request.arguments,
    ...(request.reason !== undefined ? { reason: request.reason } : {}),
    ...(request.confidence !== undefined ? { confidence: request.confidence } : {}),
    ...(request.risk !== undefined ? { risk: request.risk } : {}),
    ...(ids?.traceId ? { traceId: ids.traceId } : {}),
    ...(ids?.traceId && ids.spanId ? { spanId: ids.spanId } : {}),
  };
  const startedAt = Date.now();
  let created: EscalationBody;
  try {
    created = escalationOf((await http.request("POST", "/api/v1/escalations", { body, idempotent: Boolean(body.spanId), signal: request.signal })).body);
  } catch (error) {
    // The span already asked for another action: ask again as a request of its own (sent once).
    if (!(error instanceof FlightdeckApiError && error.code.endsWith("escalation_span_reused"))) throw error;
    const { spanId: _spanId, ...withoutSpan } = body;
    created = escalationOf((await http.request("POST", "/api/v1/escalations", { body: withoutSpan, idempotent: false, signal: request.signal })).body);
  }
  tagSpan({ [ATTR.escalationId]: created.id, [ATTR.escalationStatus]: created.status });
  const done = (e: EscalationBody) => {
    tagSpan({ [ATTR.escalationStatus]: e.status });
    return settle<A>(e);
  };
  const first = done(created);
  if (first) return first;

  const deadline = deadlineOf(request, created, startedAt);
  let failures = 0;
  let lastError: unknown;
  for (;;) {
    if (request.signal?.aborted) {
      await cancel(http, created.id, timeoutMs);
      throw request.signal.reason;
    }
    const remainingMs = deadline.getTime() - Date.now();
    if (remainingMs <= 0) {
      const cancelled = await cancel(http, created.id, timeoutMs);
      // Decided in the last moment (the cancel came too late): a decision is a decision.
      if (cancelled === "decided") {
        const last = await http.request("GET", `/api/v1/escalations/${encodeURIComponent(created.id)}`, { idempotent: true, timeoutMs }).catch(() => null);
        const decided = last ? done(escalationOf(last.body)) : null;
        if (decided) return decided;
      }
      throw new ClearanceTimeoutError(created.id, deadline, cancelled === "cancelled", { cause: lastError });
    }
    const waitSeconds = Math.min(MAX_WAIT_SECONDS, Math.floor(remainingMs / 1000));
    // Under a second left: wait it out, then one last look (no rounds of zero-second polls).
    if (waitSeconds === 0) await sleep(remainingMs, request.signal);
    try {
      const answer = await http.request("GET", `/api/v1/escalations/${encodeURIComponent(created.id)}`, {
        idempotent: true,
        retries: 0,
        query: { waitSeconds },
        timeoutMs: waitSeconds * 1000 + timeoutMs,
        signal: request.signal,
      });
      failures = 0;
      const decided = done(escalationOf(answer.body));
      if (decided) return decided;
    } catch (error) {
      if (request.signal?.aborted) continue;
      // Unreachable or overloaded: keep asking until the deadline. Anything else (404, 401, 403, 423) is final.
      if (!isUnavailable(error)) throw error;
      lastError = error;
      await sleep(Math.min(backoffMs(failures++, 500, 10_000), Math.max(0, deadline.getTime() - Date.now())), request.signal);
    }
  }
}

/** Best effort: withdraws the request so nobody approves what the agent no longer waits for. 409: it was decided meanwhile. */
async function cancel(http: Http, id: string, timeoutMs: number): Promise<"cancelled" | "decided" | "failed"> {
  try {
    await http.request("DELETE", `/api/v1/escalations/${encodeURIComponent(id)}`, { idempotent: true, retries: 2, timeoutMs: Math.min(timeoutMs, 5_000) });
    return "cancelled";
  } catch (error) {
    return error instanceof FlightdeckApiError && error.status === 409 ? "decided" : "failed";
  }
}
