/**
 * `createFlightdeck({ baseUrl, apiKey, agent })`: one client per agent, naming
 * it once. Every call first checks the agent's status (a paused or tripped
 * agent stops with AgentStoppedError before it asks for anything), tags the
 * current span with the agent and what the call learnt, and goes through the
 * one HTTP layer (timeouts, retries of what is safe to repeat, typed errors).
 */
import { randomUUID } from "node:crypto";
import { BudgetDeniedError, FlightdeckApiError, type AgentStoppedError, type BudgetLine } from "./errors.js";
import { Http, type FetchLike } from "./http.js";
import { requireClearance, type Clearance, type ClearanceRequest, type ToolArguments } from "./clearance.js";
import { PromptCache, type GetPromptOptions, type Prompt } from "./prompts.js";
import { activeIds, ATTR, tagSpan } from "./span.js";
import { StatusCache, type AgentStatus, type StatusListener } from "./status.js";

export interface FlightdeckOptions {
  /** The console, e.g. http://localhost:3000. */
  baseUrl: string;
  apiKey: string;
  /** The agent's name, as its telemetry names it (`gen_ai.agent.name`). */
  agent: string;
  /** Defaults to the global fetch. */
  fetch?: FetchLike;
  /** Per attempt, in ms (default 10,000). Long-polls add their wait to it. */
  timeoutMs?: number;
  /** Retries of requests that are safe to repeat (default 3). */
  retries?: number;
  /** How long a fetched prompt is reused without asking (default 5,000 ms). */
  promptFreshnessMs?: number;
  /** How long a status read is trusted when not watching (default 2,000 ms, the server's max-age). */
  statusMaxAgeMs?: number;
}

export interface ReserveBudgetOptions {
  estimatedCostUsd: number;
  /** The trace whose LLM calls settle the reservation (default: the active span's trace). */
  traceId?: string;
  ttlSeconds?: number;
}

export interface Reservation {
  id: string;
  remainingUsd: number | null;
  expiresAt: string;
  budgets: BudgetLine[];
  /** Gives the held amount back now (idempotent; a reservation already settled or expired is fine). */
  release(): Promise<void>;
}

/** What `withClearance` accepts: anything with an `execute(args, options)`, such as an AI SDK tool. */
export interface ExecutableTool {
  execute?: (args: never, options: never) => unknown;
}

export interface WithClearanceOptions<A extends ToolArguments = ToolArguments> {
  /** The tool's name as policies match it (e.g. `erp.pay_invoice`). */
  name: string;
  reason?: string | ((args: A) => string);
  confidence?: number | ((args: A) => number | undefined);
  risk?: ClearanceRequest["risk"];
  /** Per call: a Date, or milliseconds from the call. */
  deadline?: Date | number;
  /** Called with the clearance before the tool runs (e.g. to log who approved). */
  onCleared?: (clearance: Clearance<A>) => void;
}

export interface Flightdeck {
  readonly agent: string;
  getPrompt(name: string, options?: GetPromptOptions): Promise<Prompt>;
  reserveBudget(options: ReserveBudgetOptions): Promise<Reservation>;
  requireClearance<A extends ToolArguments>(request: ClearanceRequest<A>): Promise<A>;
  /** As requireClearance, with the escalation id, decisions and comment. */
  requestClearance<A extends ToolArguments>(request: ClearanceRequest<A>): Promise<Clearance<A>>;
  withClearance<T extends ExecutableTool>(tool: T, options: WithClearanceOptions): T;
  agentStatus(): Promise<AgentStatus>;
  /** Keeps the status current with a background long-poll; returns `close` too. */
  watchStatus(): () => Promise<void>;
  onStatusChange(listener: StatusListener): () => void;
  /** Throws AgentStoppedError when the agent is paused or tripped. */
  assertActive(): Promise<void>;
  close(): Promise<void>;
}

const QUICK_STATUS_TIMEOUT_MS = 2_000;

export function createFlightdeck(options: FlightdeckOptions): Flightdeck {
  if (!options.baseUrl) throw new TypeError("createFlightdeck: baseUrl is required.");
  if (!options.agent) throw new TypeError("createFlightdeck: agent is required.");
  const fetchImpl = options.fetch ?? (globalThis.fetch as FetchLike | undefined);
  if (!fetchImpl) throw new TypeError("createFlightdeck: no fetch available (Node 20 or later has one).");
  const timeoutMs = options.timeoutMs ?? 10_000;
  const http = new Http({
    baseUrl: options.baseUrl,
    apiKey: options.apiKey,
    agent: options.agent,
    fetch: fetchImpl,
    timeoutMs,
    retries: options.retries ?? 3,
    onLocked: (error: AgentStoppedError) => status.noteLocked(error),
  });
  const status: StatusCache = new StatusCache(http, options.statusMaxAgeMs ?? 2_000);
  const prompts = new PromptCache(http, options.promptFreshnessMs ?? 5_000);
  const agent = options.agent;

  async function before(): Promise<void> {
    tagSpan({ [ATTR.agent]: agent });
    await status.assertActive(Math.min(timeoutMs, QUICK_STATUS_TIMEOUT_MS));
  }

  async function requestClearance<A extends ToolArguments>(request: ClearanceRequest<A>): Promise<Clearance<A>> {
    await before();
    return requireClearance(http, request, timeoutMs);
  }

  const client: Flightdeck = {
    agent,

    async getPrompt(name, promptOptions = {}) {
      await before();
      const prompt = await prompts.get(name, promptOptions);
      tagSpan({ [ATTR.promptName]: prompt.name, [ATTR.promptVersion]: prompt.version, [ATTR.promptLabel]: prompt.label });
      return prompt;
    },

    async reserveBudget({ estimatedCostUsd, traceId, ttlSeconds }) {
      await before();
      const trace = traceId ?? activeIds()?.traceId;
      try {
        const answer = await http.request("POST", "/api/v1/budgets/reservations", {
          body: { agent, estimatedCostUsd, ...(trace ? { traceId: trace } : {}), ...(ttlSeconds !== undefined ? { ttlSeconds } : {}) },
          // The server answers a retry with the same key with the same reservation.
          headers: { "Idempotency-Key": randomUUID() },
          idempotent: true,
        });
        const body = answer.body as { id: string; remainingUsd?: number | null; expiresAt: string; budgets?: BudgetLine[] };
        tagSpan({ [ATTR.reservationId]: body.id, [ATTR.reservationEstimate]: estimatedCostUsd, [ATTR.reservationRemaining]: body.remainingUsd ?? undefined });
        return {
          id: body.id,
          remainingUsd: body.remainingUsd ?? null,
          expiresAt: body.expiresAt,
          budgets: body.budgets ?? [],
          async release() {
            try {
              await http.request("DELETE", `/api/v1/budgets/reservations/${encodeURIComponent(body.id)}`, { idempotent: true });
            } catch (error) {
              // Already settled, expired or released: nothing is held any more.
              if (!(error instanceof FlightdeckApiError && error.status === 404)) throw error;
            }
          },
        };
      } catch (error) {
        if (error instanceof FlightdeckApiError && error.status === 409) {
          const denied = (error.details ?? {}) as { reason?: string; remainingUsd?: number | null; budgets?: BudgetLine[] };
          throw new BudgetDeniedError(denied.reason ?? error.message, denied.remainingUsd ?? null, denied.budgets ?? []);
        }
        throw error;
      }
    },

    async requireClearance(request) {
      return (await requestClearance(request)).arguments;
    },

    requestClearance,

    withClearance<T extends ExecutableTool>(tool: T, clearanceOptions: WithClearanceOptions): T {
      const execute = tool.execute as ((args: ToolArguments, options?: unknown) => unknown) | undefined;
      if (typeof execute !== "function") throw new TypeError(`withClearance(${clearanceOptions.name}): the tool has no execute function.`);
      const pick = <V>(value: V | ((args: ToolArguments) => V) | undefined, args: ToolArguments): V | undefined =>
        typeof value === "function" ? (value as (args: ToolArguments) => V)(args) : value;
      return {
        ...tool,
        execute: async (args: ToolArguments, callOptions?: unknown) => {
          const abortSignal = (callOptions as { abortSignal?: unknown } | undefined)?.abortSignal;
          const clearance = await requestClearance({
            tool: clearanceOptions.name,
            arguments: args,
            reason: pick(clearanceOptions.reason, args),
            confidence: pick(clearanceOptions.confidence, args),
            risk: clearanceOptions.risk,
            deadline: clearanceOptions.deadline,
            signal: abortSignal instanceof AbortSignal ? abortSignal : undefined,
          });
          clearanceOptions.onCleared?.(clearance);
          // The call that runs is the approved one: record those arguments on the tool call's span.
          tagSpan({ [ATTR.toolArguments]: JSON.stringify(clearance.arguments) });
          return execute.call(tool, clearance.arguments, callOptions);
        },
      } as T;
    },

    async agentStatus() {
      tagSpan({ [ATTR.agent]: agent });
      return status.get();
    },

    watchStatus() {
      status.watch(timeoutMs);
      return () => status.close();
    },

    onStatusChange(listener) {
      return status.onChange(listener);
    },

    assertActive: before,

    close() {
      return status.close();
    },
  };
  return client;
}
