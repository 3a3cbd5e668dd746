/**
 * The SDK's typed errors. Every one extends `FlightdeckError`, so an agent can
 * catch the family with one `instanceof`, and the specific ones to act on:
 * a denied budget, a refused or unanswered clearance, a stopped agent.
 */

export type AgentStatusName = "active" | "paused" | "tripped";

export class FlightdeckError extends Error {
  override name = "FlightdeckError";
}

/** The console answered with an error: `{ error: { code, message } }` and its HTTP status. */
export class FlightdeckApiError extends FlightdeckError {
  override name = "FlightdeckApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** The console could not be reached, or did not answer in time (after the retries allowed). */
export class FlightdeckNetworkError extends FlightdeckError {
  override name = "FlightdeckNetworkError";
  constructor(
    message: string,
    readonly timedOut: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The agent is paused or tripped: it must stop before its next action. */
export class AgentStoppedError extends FlightdeckError {
  override name = "AgentStoppedError";
  constructor(
    readonly agent: string,
    readonly status: Exclude<AgentStatusName, "active">,
    readonly reason: string | null,
    message?: string,
  ) {
    super(message ?? `Agent ${agent} is ${status}${reason ? `: ${reason}` : ""}.`);
  }
}

export interface BudgetLine {
  scope?: string;
  [key: string]: unknown;
}

/** A reservation refused (409): a hard cap of the agent, its team or the organisation would be exceeded. */
export class BudgetDeniedError extends FlightdeckError {
  override name = "BudgetDeniedError";
  constructor(
    readonly reason: string,
    readonly remainingUsd: number | null,
    readonly budgets: BudgetLine[] = [],
  ) {
    super(`Budget denied: ${reason}`);
  }
}

export interface ClearanceDecision {
  verdict: "approve" | "reject";
  comment: string | null;
  decidedBy: string;
  decidedAt: string;
  arguments: Record<string, unknown> | null;
}

/** A person rejected the action: do not run it. `comment` says why. */
export class ClearanceRejectedError extends FlightdeckError {
  override name = "ClearanceRejectedError";
  constructor(
    readonly escalationId: string,
    readonly comment: string | null,
    readonly decisions: ClearanceDecision[] = [],
  ) {
    super(`Clearance ${escalationId} was rejected${comment ? `: ${comment}` : "."}`);
  }
}

/** The escalation closed without an approval: its deadline passed on the console (expired) or it was cancelled. */
export class ClearanceExpiredError extends FlightdeckError {
  override name = "ClearanceExpiredError";
  constructor(
    readonly escalationId: string,
    readonly status: "expired" | "cancelled",
    readonly comment: string | null,
  ) {
    super(`Clearance ${escalationId} ${status === "expired" ? "expired" : "was cancelled"}${comment ? `: ${comment}` : "."}`);
  }
}

/** Nobody decided before the agent's own deadline; the SDK cancelled the request (`cancelled` says whether that went through). */
export class ClearanceTimeoutError extends FlightdeckError {
  override name = "ClearanceTimeoutError";
  constructor(
    readonly escalationId: string,
    readonly deadline: Date,
    readonly cancelled: boolean,
    options?: { cause?: unknown },
  ) {
    super(`No decision on clearance ${escalationId} before ${deadline.toISOString()}${cancelled ? "; the request was cancelled." : "; cancelling it failed."}`, options);
  }
}

/** `strict` prompt compilation: the template has placeholders no variable fills. */
export class PromptVariablesError extends FlightdeckError {
  override name = "PromptVariablesError";
  constructor(
    readonly prompt: string,
    readonly missing: string[],
  ) {
    super(`Prompt ${prompt} needs variables it was not given: ${missing.join(", ")}.`);
  }
}
