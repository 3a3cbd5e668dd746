/**
 * OpenTelemetry span → Flightdeck step: the GenAI semantic conventions
 * (current and legacy names), OpenInference (`openinference.span.kind`,
 * `llm.*`) and our own `flightdeck.*` attributes. Pure: no database, so every
 * rule is unit-tested. A span that cannot be stored faithfully (bad ids, no
 * start time, negative tokens, a time in year 3000…) is rejected with a reason.
 * So is one that PostgreSQL could not store at all (`findUnstorable`: a NUL
 * character or a lone surrogate in any stored string or key, JSON nested deeper
 * than MAX_JSON_DEPTH, a name too long for its index): the store stage must
 * never fail on a value, or the whole request (and the valid spans in it) would.
 * One file of ~400 lines on purpose: every attribute rule sits beside its
 * precedence over the others, which splitting by convention would hide.
 *
 * Attributes read here (all others are kept in Step.attributes):
 * - kind: `flightdeck.step.kind` (explicit), `flightdeck.decision.*` → DECISION,
 *   `flightdeck.state.*` → STATE_TRANSITION, `gen_ai.operation.name`,
 *   `openinference.span.kind`, else LLM_CALL when a model/tokens are present,
 *   TOOL_CALL when a tool name is.
 * - `flightdeck.state.from`, `.to`, `.reason` mark a state transition and stay
 *   in Step.attributes for the timeline to show.
 */
import type { Attributes, AttrValue, OtlpEvent, OtlpSpan } from "./otlp";
import { unstorableStep } from "./storable";
import { STEP_KINDS, type DecisionJson, type JsonValue, type OutcomeName, type StepDraft, type StepKindName } from "./types";

export type MapResult = { ok: true; step: StepDraft } | { ok: false; message: string };

/** Spans may be stamped at most this far in the future (clock skew), and not before 2000. */
export const MAX_CLOCK_SKEW_MS = 24 * 60 * 60 * 1000;
export const EARLIEST_TIME_MS = Date.UTC(2000, 0, 1);
/** Token counts are stored as 32-bit integers. */
export const MAX_TOKENS = 2_000_000_000;
export const MAX_SPAN_COST_USD = 1_000_000;
/** Prompt versions are stored as 32-bit integers. */
export const MAX_PROMPT_VERSION = 2_000_000_000;
const MAX_NAME_LENGTH = 512;
/**
 * Names that are keys of an index (agent and team names are unique, model and prompt name key the
 * spend rollup and the prompt index): a btree entry holds at most ~2,700 bytes, so a longer one
 * would fail the whole request. The native API bounds its labels the same way.
 */
export const MAX_LABEL_LENGTH = 200;
/** The latest instant JS and an ISO date with a 4-digit year can both represent (PostgreSQL goes further). */
const LATEST_REPRESENTABLE_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
const ZERO_TRACE = "0".repeat(32);
const ZERO_SPAN = "0".repeat(16);

const LLM_OPERATIONS = new Set(["chat", "text_completion", "generate_content", "embeddings", "completion"]);
const OPERATION_KINDS: Record<string, StepKindName> = {
  execute_tool: "TOOL_CALL",
  invoke_agent: "AGENT",
  create_agent: "AGENT",
};
const OPENINFERENCE_KINDS: Record<string, StepKindName> = {
  LLM: "LLM_CALL",
  EMBEDDING: "LLM_CALL",
  TOOL: "TOOL_CALL",
  AGENT: "AGENT",
};

const INPUT_TOKENS = ["gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens", "llm.token_count.prompt"];
const OUTPUT_TOKENS = ["gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens", "llm.token_count.completion"];
const CACHED_TOKENS = [
  "gen_ai.usage.cache_read.input_tokens",
  "gen_ai.usage.cache_read_input_tokens",
  "llm.token_count.prompt_details.cache_read",
];
const CARRIED_COST = ["gen_ai.usage.cost", "flightdeck.cost_usd", "llm.cost.total"];

/** Keys the mapping consumes (removed from Step.attributes). */
const CONSUMED = new Set([
  "gen_ai.operation.name",
  "gen_ai.request.model",
  "gen_ai.response.model",
  "llm.model_name",
  "gen_ai.provider.name",
  "gen_ai.system",
  "llm.provider",
  "llm.system",
  ...INPUT_TOKENS,
  ...OUTPUT_TOKENS,
  ...CACHED_TOKENS,
  ...CARRIED_COST,
  "gen_ai.agent.name",
  "gen_ai.conversation.id",
  "session.id",
  "gen_ai.tool.name",
  "tool.name",
  "gen_ai.tool.call.arguments",
  "tool.parameters",
  "gen_ai.tool.call.result",
  "gen_ai.input.messages",
  "gen_ai.output.messages",
  "gen_ai.prompt",
  "gen_ai.completion",
  "error.type",
  "openinference.span.kind",
  "flightdeck.step.kind",
  "flightdeck.decision.chosen",
  "flightdeck.decision.rationale",
  "flightdeck.decision.alternatives",
  "flightdeck.decision.confidence",
  "flightdeck.team",
  "flightdeck.prompt.name",
  "flightdeck.prompt.version",
  "flightdeck.run.outcome",
  "flightdeck.run.outcome_impact",
]);
/** Flattened message lists (OpenLLMetry `gen_ai.prompt.0.role`, OpenInference `llm.input_messages.0.message.role`). */
const FLAT_INPUT = ["gen_ai.prompt.", "llm.input_messages."];
const FLAT_OUTPUT = ["gen_ai.completion.", "llm.output_messages."];
/** Every flattened message key has `.<index>.` in it. */
const FLAT_KEY = /\.\d+\./;

const MESSAGE_EVENTS: Record<string, string> = {
  "gen_ai.system.message": "system",
  "gen_ai.user.message": "user",
  "gen_ai.assistant.message": "assistant",
  "gen_ai.tool.message": "tool",
};

class Reject extends Error {}

function str(a: Attributes, ...keys: string[]): string | null {
  for (const k of keys) {
    const v = a[k];
    if (typeof v === "string" && v !== "") return v;
    if (typeof v === "number" || typeof v === "boolean") return String(v);
  }
  return null;
}

function num(a: Attributes, keys: string[], what: string): number | null {
  for (const k of keys) {
    const v = a[k];
    if (v === undefined || v === null || v === "") continue;
    const n = typeof v === "number" ? v : typeof v === "string" ? Number(v) : NaN;
    if (!Number.isFinite(n)) throw new Reject(`${k} must be a number (${what}).`);
    return n;
  }
  return null;
}

function tokens(a: Attributes, keys: string[]): number | null {
  const n = num(a, keys, "a token count");
  if (n === null) return null;
  if (!Number.isInteger(n) || n < 0 || n > MAX_TOKENS) {
    throw new Reject(`${keys.find((k) => a[k] !== undefined)} must be a whole number from 0 to ${MAX_TOKENS}, got ${n}.`);
  }
  return n;
}

/** Attribute values that carry JSON as a string (messages, tool arguments) are parsed; other strings stay strings. */
export function parseJsonish(value: AttrValue | undefined): JsonValue | null {
  if (value === undefined || value === null) return null;
  if (typeof value === "string") {
    const t = value.trim();
    if ((t.startsWith("{") && t.endsWith("}")) || (t.startsWith("[") && t.endsWith("]"))) {
      try {
        return JSON.parse(t) as JsonValue;
      } catch {
        return value;
      }
    }
    return value;
  }
  return value;
}

/**
 * A span or event time, checked before it becomes a Date: nanoseconds from JSON may have 30
 * digits, and a Date beyond ±8.64e15 ms is invalid (its toISOString throws), which no bound
 * comparison on the Date would notice (NaN compares false).
 */
function checkedTime(label: string, ns: bigint, now: number): Date {
  const ms = ns / 1_000_000n;
  if (ms > BigInt(now + MAX_CLOCK_SKEW_MS)) {
    const shown = ms <= BigInt(LATEST_REPRESENTABLE_MS) ? new Date(Number(ms)).toISOString() : `${ns} ns`;
    throw new Reject(`${label} is in the future (${shown}).`);
  }
  const at = new Date(Number(ms));
  if (at.getTime() < EARLIEST_TIME_MS) throw new Reject(`${label} is before the year 2000 (${at.toISOString()}).`);
  return at;
}

function stepKind(a: Attributes): StepKindName {
  const explicit = str(a, "flightdeck.step.kind")?.toUpperCase();
  if (explicit) {
    if ((STEP_KINDS as readonly string[]).includes(explicit)) return explicit as StepKindName;
    throw new Reject(`flightdeck.step.kind must be one of ${STEP_KINDS.join(", ")}.`);
  }
  if (str(a, "flightdeck.decision.chosen") !== null) return "DECISION";
  if (str(a, "flightdeck.state.to", "flightdeck.state.from") !== null) return "STATE_TRANSITION";
  const operation = str(a, "gen_ai.operation.name");
  if (operation && LLM_OPERATIONS.has(operation)) return "LLM_CALL";
  if (operation && OPERATION_KINDS[operation]) return OPERATION_KINDS[operation];
  const openInference = str(a, "openinference.span.kind")?.toUpperCase();
  if (openInference && OPENINFERENCE_KINDS[openInference]) return OPENINFERENCE_KINDS[openInference];
  if (str(a, "gen_ai.request.model", "gen_ai.response.model", "llm.model_name") !== null) return "LLM_CALL";
  if (INPUT_TOKENS.some((k) => a[k] !== undefined)) return "LLM_CALL";
  if (str(a, "gen_ai.tool.name", "tool.name") !== null) return "TOOL_CALL";
  return "OTHER";
}

/** `{prefix}{i}.{rest}` attributes → `[{ rest: value }]`, e.g. `gen_ai.prompt.0.role`. */
function flattenedMessages(a: Attributes, prefixes: string[], consumed: Set<string>): JsonValue[] | null {
  let byIndex: Map<number, Record<string, JsonValue>> | null = null;
  for (const key in a) {
    // Cheap test first: nearly every span has no flattened messages.
    if (!FLAT_KEY.test(key)) continue;
    const value = a[key]!;
    const prefix = prefixes.find((p) => key.startsWith(p));
    if (!prefix) continue;
    const match = /^(\d+)\.(.+)$/.exec(key.slice(prefix.length));
    if (!match) continue;
    consumed.add(key);
    byIndex ??= new Map();
    const message = byIndex.get(Number(match[1])) ?? {};
    // OpenInference nests under `message.`: `llm.input_messages.0.message.content`.
    message[match[2]!.replace(/^message\./, "")] = value;
    byIndex.set(Number(match[1]), message);
  }
  if (byIndex === null) return null;
  return [...byIndex.entries()].sort(([x], [y]) => x - y).map(([, m]) => m);
}

interface EventMessages {
  input: JsonValue[];
  output: JsonValue[];
  inputAttr: JsonValue | null;
  outputAttr: JsonValue | null;
  exception: string | null;
  rest: OtlpEvent[];
}

function eventMessages(events: OtlpEvent[]): EventMessages {
  const out: EventMessages = { input: [], output: [], inputAttr: null, outputAttr: null, exception: null, rest: [] };
  for (const e of events) {
    const role = MESSAGE_EVENTS[e.name];
    if (role) {
      const { content, ...rest } = e.attributes;
      out.input.push({ role: str(e.attributes, "role") ?? role, content: parseJsonish(content), ...without(rest, ["role", "gen_ai.system", "gen_ai.provider.name"]) });
    } else if (e.name === "gen_ai.choice") {
      const message = e.attributes.message;
      const base = message && typeof message === "object" && !Array.isArray(message) ? message : { content: parseJsonish(e.attributes.content) };
      out.output.push({ role: "assistant", ...base, ...without(e.attributes, ["message", "content", "gen_ai.system", "gen_ai.provider.name"]) });
    } else if (e.name === "gen_ai.client.inference.operation.details" || e.name === "gen_ai.content.prompt" || e.name === "gen_ai.content.completion") {
      const input = e.attributes["gen_ai.input.messages"] ?? e.attributes["gen_ai.prompt"];
      const output = e.attributes["gen_ai.output.messages"] ?? e.attributes["gen_ai.completion"];
      if (input !== undefined) out.inputAttr = parseJsonish(input);
      if (output !== undefined) out.outputAttr = parseJsonish(output);
    } else {
      if (e.name === "exception" && !out.exception) out.exception = str(e.attributes, "exception.message", "exception.type");
      out.rest.push(e);
    }
  }
  return out;
}

function without(a: Attributes, keys: string[]): Attributes {
  const copy: Attributes = { ...a };
  for (const k of keys) delete copy[k];
  return copy;
}

/** `s` cut to `max` UTF-16 units without splitting a surrogate pair (half a pair cannot be stored). */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  const code = s.charCodeAt(max - 1);
  return s.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

function label(field: string, value: string | null): string | null {
  if (value !== null && value.length > MAX_LABEL_LENGTH) {
    throw new Reject(`${field} must be at most ${MAX_LABEL_LENGTH} characters, got ${value.length}.`);
  }
  return value;
}


function decision(a: Attributes): DecisionJson | null {
  const chosen = str(a, "flightdeck.decision.chosen");
  if (chosen === null) return null;
  const confidence = num(a, ["flightdeck.decision.confidence"], "0 to 1");
  if (confidence !== null && (confidence < 0 || confidence > 1)) {
    throw new Reject(`flightdeck.decision.confidence must be between 0 and 1, got ${confidence}.`);
  }
  const rawAlternatives = parseJsonish(a["flightdeck.decision.alternatives"]);
  const alternatives = rawAlternatives === null ? [] : Array.isArray(rawAlternatives) ? rawAlternatives : [rawAlternatives];
  return { chosen, rationale: str(a, "flightdeck.decision.rationale"), alternatives, confidence };
}

function outcome(a: Attributes): OutcomeName | null {
  const raw = str(a, "flightdeck.run.outcome");
  if (raw === null) return null;
  const upper = raw.toUpperCase();
  if (upper === "SUCCESS" || upper === "FAILURE" || upper === "UNKNOWN") return upper;
  throw new Reject(`flightdeck.run.outcome must be success, failure or unknown, got "${raw}".`);
}

function promptVersion(a: Attributes): number | null {
  const v = num(a, ["flightdeck.prompt.version"], "a prompt version");
  if (v === null) return null;
  if (!Number.isInteger(v) || v < 1 || v > MAX_PROMPT_VERSION) {
    throw new Reject(`flightdeck.prompt.version must be a whole number from 1 to ${MAX_PROMPT_VERSION}, got ${v}.`);
  }
  return v;
}

function serviceName(resource: Attributes): string | null {
  const service = str(resource, "service.name");
  // The SDK's default when none is configured names no agent.
  return service && !service.startsWith("unknown_service") ? service : null;
}

/** Maps one span; `now` bounds how far in the future its times may be. */
export function mapSpan(span: OtlpSpan, now: number = Date.now()): MapResult {
  try {
    const step = mapOrThrow(span, now);
    const unstorable = unstorableStep(step);
    return unstorable === null ? { ok: true, step } : { ok: false, message: unstorable };
  } catch (error) {
    if (error instanceof Reject) return { ok: false, message: error.message };
    throw error;
  }
}

function mapOrThrow(span: OtlpSpan, now: number): StepDraft {
  if (!TRACE_ID.test(span.traceId) || span.traceId === ZERO_TRACE) {
    throw new Reject(`traceId must be 16 bytes (32 hex characters), not all zero; got "${span.traceId.slice(0, 40)}".`);
  }
  if (!SPAN_ID.test(span.spanId) || span.spanId === ZERO_SPAN) {
    throw new Reject(`spanId must be 8 bytes (16 hex characters), not all zero; got "${span.spanId.slice(0, 40)}".`);
  }
  const parentSpanId = span.parentSpanId && span.parentSpanId !== ZERO_SPAN ? span.parentSpanId : null;
  if (parentSpanId !== null && !SPAN_ID.test(parentSpanId)) throw new Reject(`parentSpanId must be 16 hex characters.`);
  if (span.problem) throw new Reject(span.problem);
  if (span.startTimeUnixNano <= 0n) throw new Reject("startTimeUnixNano is required.");
  const startedAt = checkedTime("startTimeUnixNano", span.startTimeUnixNano, now);
  let endedAt: Date | null = null;
  if (span.endTimeUnixNano > 0n) {
    if (span.endTimeUnixNano < span.startTimeUnixNano) throw new Reject("endTimeUnixNano is before startTimeUnixNano.");
    endedAt = checkedTime("endTimeUnixNano", span.endTimeUnixNano, now);
  }

  const a = span.attributes;
  const kind = stepKind(a);
  // Keys consumed beyond CONSUMED (flattened messages, OpenInference values), per span.
  const consumed = new Set<string>();
  const events = eventMessages(span.events);

  const carriedCostUsd = num(a, CARRIED_COST, "USD");
  if (carriedCostUsd !== null && (carriedCostUsd < 0 || carriedCostUsd > MAX_SPAN_COST_USD)) {
    throw new Reject(`the span's cost must be between 0 and ${MAX_SPAN_COST_USD} USD, got ${carriedCostUsd}.`);
  }
  const inputTokens = tokens(a, INPUT_TOKENS);
  const outputTokens = tokens(a, OUTPUT_TOKENS);
  const cachedInputTokens = tokens(a, CACHED_TOKENS);

  const flatInput = flattenedMessages(a, FLAT_INPUT, consumed);
  const flatOutput = flattenedMessages(a, FLAT_OUTPUT, consumed);
  const inputMessages =
    parseJsonish(a["gen_ai.input.messages"]) ?? events.inputAttr ?? (events.input.length ? events.input : null) ?? parseJsonish(a["gen_ai.prompt"]) ?? flatInput;
  const outputMessages =
    parseJsonish(a["gen_ai.output.messages"]) ??
    events.outputAttr ??
    (events.output.length ? events.output : null) ??
    parseJsonish(a["gen_ai.completion"]) ??
    flatOutput;

  const isTool = kind === "TOOL_CALL";
  let args = parseJsonish(a["gen_ai.tool.call.arguments"] ?? a["tool.parameters"]);
  let result = parseJsonish(a["gen_ai.tool.call.result"]);
  if (isTool && args === null && a["input.value"] !== undefined) {
    args = parseJsonish(a["input.value"]);
    consumed.add("input.value");
  }
  if (isTool && result === null && a["output.value"] !== undefined) {
    result = parseJsonish(a["output.value"]);
    consumed.add("output.value");
  }

  const errorType = str(a, "error.type");
  const failed = span.statusCode === 2 || (errorType !== null && errorType !== "");
  const error = failed ? span.statusMessage || errorType || events.exception || "error" : null;

  const attributes: { [key: string]: JsonValue } = {};
  for (const k in a) if (!CONSUMED.has(k) && !consumed.has(k)) attributes[k] = a[k]!;
  if (events.rest.length) {
    attributes["otel.events"] = events.rest.map((e, i) => ({
      name: e.name,
      // 0 is "not set" (kept as the epoch, as before); any other time is held to the span's rules.
      time: (e.timeUnixNano === 0n ? new Date(0) : checkedTime(`events[${i}].timeUnixNano`, e.timeUnixNano, now)).toISOString(),
      attributes: e.attributes,
    }));
  }

  const name = truncate(span.name || str(a, "gen_ai.operation.name") || "unnamed span", MAX_NAME_LENGTH);
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId,
    kind,
    name,
    status: failed ? "FAILED" : "OK",
    error,
    startedAt,
    endedAt,
    model: label("the model", str(a, "gen_ai.response.model", "gen_ai.request.model", "llm.model_name")),
    provider: str(a, "gen_ai.provider.name", "gen_ai.system", "llm.provider", "llm.system"),
    inputTokens,
    outputTokens,
    cachedInputTokens,
    carriedCostUsd,
    promptName: label("flightdeck.prompt.name", str(a, "flightdeck.prompt.name")),
    promptVersion: promptVersion(a),
    tool: str(a, "gen_ai.tool.name", "tool.name"),
    arguments: args,
    result,
    decision: decision(a),
    inputMessages,
    outputMessages,
    attributes,
    agentName: label("gen_ai.agent.name", str(a, "gen_ai.agent.name")),
    serviceName: label("the resource's service.name", serviceName(span.resource)),
    teamName: label("flightdeck.team", str(a, "flightdeck.team") ?? str(span.resource, "flightdeck.team")),
    conversationId: str(a, "gen_ai.conversation.id", "session.id"),
    runOutcome: outcome(a),
    runOutcomeImpact: str(a, "flightdeck.run.outcome_impact"),
  };
}
