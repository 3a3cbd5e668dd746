/**
 * @flightdeck/sdk: prompts, budget reservations, clearance and the kill switch
 * of Flightdeck for agents written in TypeScript. See README.md.
 */
export { createFlightdeck } from "./client.js";
export type { ExecutableTool, Flightdeck, FlightdeckOptions, Reservation, ReserveBudgetOptions, WithClearanceOptions } from "./client.js";
export type { Clearance, ClearanceRequest, ToolArguments } from "./clearance.js";
export { compileTemplate } from "./prompts.js";
export type { ChatMessage, GetPromptOptions, Prompt, PromptTemplate, PromptVariables } from "./prompts.js";
export type { AgentStatus, StatusListener } from "./status.js";
export type { FetchLike } from "./http.js";
export { ATTR as SPAN_ATTRIBUTES } from "./span.js";
export {
  AgentStoppedError,
  BudgetDeniedError,
  ClearanceExpiredError,
  ClearanceRejectedError,
  ClearanceTimeoutError,
  FlightdeckApiError,
  FlightdeckError,
  FlightdeckNetworkError,
  PromptVariablesError,
} from "./errors.js";
export type { AgentStatusName, BudgetLine, ClearanceDecision } from "./errors.js";
