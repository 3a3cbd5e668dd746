/**
 * OpenTelemetry span → Flightdeck step: the GenAI semantic conventions
 * (current and legacy names), the Vercel AI SDK's own telemetry (`ai.*`),
 * OpenInference (`openinference.span.kind`, `llm.*`), OpenLLMetry
 * (`traceloop.*`) and our own `flightdeck.*` attributes. Pure: no database, so every
 * rule is unit-tested. A span that cannot be stored faithfully (bad ids, no
 * start time, negative tokens, a time in year 3000…) is rejected with a reason.
 * So is one that PostgreSQL could not store at all (`findUnstorable`: a NUL
 * character or a lone surrogate in any stored string or key, JSON nested deeper
 * than MAX_JSON_DEPTH, a name too long for its index): the store stage must
 * never fail on a value, or the whole request (and the valid spans in it) would.
 * One file (~700 lines) on purpose: every attribute rule sits beside its
 * precedence over the others, which splitting by convention would hide.
 *
 * Attributes read here (all others are kept in Step.attributes):
 * - kind: `flightdeck.step.kind` (explicit), `flightdeck.decision.*` → DECISION,
 *   `flightdeck.state.*` → STATE_TRANSITION, the AI SDK's `ai.operationId`,
 *   `gen_ai.operation.name`, `openinference.span.kind` (a root CHAIN is AGENT),
 *   `traceloop.span.kind`, else LLM_CALL when a model/tokens are present,
 *   TOOL_CALL when a tool name is.
 * - `flightdeck.state.from`, `.to`, `.reason` mark a state transition and stay
 *   in Step.attributes for the timeline to show.
 * - Each field reads a list of attributes, first present wins (the lists below say the
 *   precedence). When the winner is not a `gen_ai.*` or `flightdeck.*` attribute, the
 *   step records it in `attributes["flightdeck.mapped_from"]` (`{ agentName: "ai.telemetry.functionId" }`),
 *   so the step detail can show where a value came from.
 * - Vercel AI SDK: the outer `ai.generateText` / `ai.streamText` / `ai.generateObject` /
 *   `ai.streamObject` spans are AGENT steps (their `ai.usage.*` repeat their calls' usage: kept
 *   as attributes, never counted); the inner `.doGenerate` / `.doStream` spans are the LLM
 *   calls; `ai.toolCall` spans are tool calls.
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
/** The step attribute naming each mapped value's source attribute (see the header). */
export const MAPPED_FROM = "flightdeck.mapped_from";
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
  // A guardrail's verdict is a decision (there is no guardrail kind); its result is the decision's choice.
  apply_guardrail: "DECISION",
};
const OPENINFERENCE_KINDS: Record<string, StepKindName> = {
  LLM: "LLM_CALL",
  EMBEDDING: "LLM_CALL",
  TOOL: "TOOL_CALL",
  AGENT: "AGENT",
  GUARDRAIL: "DECISION",
};
/** OpenLLMetry's `traceloop.span.kind` (its LLM spans carry gen_ai.* and need none). */
const TRACELOOP_KINDS: Record<string, StepKindName> = {
  workflow: "AGENT",
  agent: "AGENT",
  tool: "TOOL_CALL",
};
/** The AI SDK's outer calls (`ai.operationId`): each runs a loop of model calls and tools, like an agent. */
const AI_SDK_CALLS = new Set(["ai.generateText", "ai.streamText", "ai.generateObject", "ai.streamObject"]);

/** Run-level values an app attaches to every span: AI SDK `experimental_telemetry.metadata`, OpenLLMetry association properties. */
const METADATA_PREFIXES = ["ai.telemetry.metadata.", "traceloop.association.properties."];
const metadataKeys = (...names: string[]) => METADATA_PREFIXES.flatMap((prefix) => names.map((n) => prefix + n));

// Precedence: first present wins. An explicit agent name wins over everything; the resource's
// service.name is only the run's fallback (run-fold.ts), never a step's agent.
const AGENT_KEYS = [
  "gen_ai.agent.name",
  "agent.name",
  ...metadataKeys("agent", "agentName", "agent_name"),
  "ai.telemetry.functionId",
  "traceloop.workflow.name",
];
const CONVERSATION_KEYS = [
  "gen_ai.conversation.id",
  "session.id",
  ...metadataKeys("conversationId", "conversation_id", "sessionId", "session_id", "threadId", "thread_id"),
];
const TEAM_KEYS = ["flightdeck.team", ...metadataKeys("team", "teamName", "team_name")];
const PROMPT_NAME_KEYS = ["flightdeck.prompt.name", ...metadataKeys("promptName", "prompt_name"), "traceloop.prompt.key"];
const PROMPT_VERSION_KEYS = ["flightdeck.prompt.version", ...metadataKeys("promptVersion", "prompt_version"), "traceloop.prompt.version"];
const MODEL_KEYS = ["gen_ai.response.model", "gen_ai.request.model", "llm.model_name", "ai.response.model", "ai.model.id"];
const PROVIDER_KEYS = ["gen_ai.provider.name", "gen_ai.system", "llm.provider", "llm.system", "ai.model.provider"];
const TOOL_KEYS = ["gen_ai.tool.name", "tool.name", "ai.toolCall.name", "tool_call.function.name"];
// Not `tool.parameters`: OpenInference puts the tool's JSON schema there, the call's arguments are in input.value.
const ARGUMENT_KEYS = ["gen_ai.tool.call.arguments", "ai.toolCall.args", "ai.toolCall.input", "tool_call.function.arguments"];
const RESULT_KEYS = ["gen_ai.tool.call.result", "ai.toolCall.result", "ai.toolCall.output"];
/** The proposed GenAI tool-call decision (allow / deny / require approval), and a guardrail's verdict. */
const TOOL_DECISION_KEYS = ["gen_ai.tool.call.decision", "gen_ai.tool.decision"];
const GUARDRAIL_RESULT_KEYS = ["gen_ai.guardrail.result", "gen_ai.guardrail.decision", "gen_ai.guardrail.decision.type", "gen_ai.guardrail.action"];
const GUARDRAIL_REASON_KEYS = ["gen_ai.guardrail.reason", "gen_ai.guardrail.decision.reason", "gen_ai.guardrail.explanation"];

const INPUT_TOKENS = ["gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens", "llm.token_count.prompt", "llm.usage.prompt_tokens"];
const OUTPUT_TOKENS = ["gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens", "llm.token_count.completion", "llm.usage.completion_tokens"];
const CACHED_TOKENS = [
  "gen_ai.usage.cache_read.input_tokens",
  "gen_ai.usage.cache_read_input_tokens",
  "llm.token_count.prompt_details.cache_read",
];
/**
 * The AI SDK's own usage names (v5: promptTokens / completionTokens on generate, inputTokens on stream;
 * v6: inputTokens everywhere, cached reads as cachedInputTokens). Read on its model calls only: on its
 * outer spans they are the sum of the calls below and stay attributes.
 */
const AI_INPUT_TOKENS = [...INPUT_TOKENS, "ai.usage.inputTokens", "ai.usage.promptTokens"];
const AI_OUTPUT_TOKENS = [...OUTPUT_TOKENS, "ai.usage.outputTokens", "ai.usage.completionTokens"];
const AI_CACHED_TOKENS = [...CACHED_TOKENS, "ai.usage.cachedInputTokens", "ai.usage.inputTokenDetails.cacheReadTokens"];
const AI_USAGE_KEYS = [...new Set([...AI_INPUT_TOKENS, ...AI_OUTPUT_TOKENS, ...AI_CACHED_TOKENS])].filter((k) => k.startsWith("ai."));
const CARRIED_COST = ["gen_ai.usage.cost", "flightdeck.cost_usd", "llm.cost.total"];

/** Keys the mapping consumes (removed from Step.attributes). */
const CONSUMED = new Set([
  "gen_ai.operation.name",
  ...MODEL_KEYS,
  ...PROVIDER_KEYS,
  ...INPUT_TOKENS,
  ...OUTPUT_TOKENS,
  ...CACHED_TOKENS,
  ...CARRIED_COST,
  ...AGENT_KEYS,
  ...CONVERSATION_KEYS,
  ...TEAM_KEYS,
  ...PROMPT_NAME_KEYS,
  ...PROMPT_VERSION_KEYS,
  ...TOOL_KEYS,
  ...ARGUMENT_KEYS,
  ...RESULT_KEYS,
  "gen_ai.input.messages",
  "gen_ai.output.messages",
  "gen_ai.prompt",
  "gen_ai.completion",
  "ai.prompt",
  "ai.prompt.messages",
  "ai.response.text",
  "ai.response.toolCalls",
  "ai.response.object",
  "error.type",
  "openinference.span.kind",
  "traceloop.span.kind",
  "flightdeck.step.kind",
  "flightdeck.decision.chosen",
  "flightdeck.decision.rationale",
  "flightdeck.decision.alternatives",
  "flightdeck.decision.confidence",
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

/** `parseJsonish` of the first present attribute of `keys`, noting its key. */
function jsonOf(a: Attributes, keys: readonly string[], field: string, sources: Sources): JsonValue | null {
  for (const k of keys) {
    const v = a[k];
    if (v === undefined || v === null) continue;
    noteSource(sources, field, k);
    return parseJsonish(v);
  }
  return null;
}

/** Field → source attribute, for values not read from a `gen_ai.*` or `flightdeck.*` attribute. */
type Sources = { [field: string]: JsonValue };

function noteSource(sources: Sources | undefined, field: string | undefined, key: string): void {
  if (sources !== undefined && field !== undefined && !key.startsWith("gen_ai.") && !key.startsWith("flightdeck.")) sources[field] = key;
}

/** `str` over a list, noting the winner's key in `sources[field]`. */
function strOf(a: Attributes, keys: readonly string[], field: string, sources: Sources): string | null {
  for (const k of keys) {
    const v = a[k];
    if (typeof v === "string" && v !== "") {
      noteSource(sources, field, k);
      return v;
    }
    if (typeof v === "number" || typeof v === "boolean") {
      noteSource(sources, field, k);
      return String(v);
    }
  }
  return null;
}

function num(a: Attributes, keys: readonly string[], what: string, field?: string, sources?: Sources): number | null {
  for (const k of keys) {
    const v = a[k];
    if (v === undefined || v === null || v === "") continue;
    const n = typeof v === "number" ? v : typeof v === "string" ? Number(v) : NaN;
    if (!Number.isFinite(n)) throw new Reject(`${k} must be a number (${what}).`);
    noteSource(sources, field, k);
    return n;
  }
  return null;
}

function tokens(a: Attributes, keys: readonly string[], field?: string, sources?: Sources): number | null {
  const n = num(a, keys, "a token count", field, sources);
  if (n === null) return null;
  if (!Number.isInteger(n) || n < 0 || n > MAX_TOKENS) {
    throw new Reject(`${keys.find((k) => a[k] !== undefined && a[k] !== null && a[k] !== "")} must be a whole number from 0 to ${MAX_TOKENS}, got ${n}.`);
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

function stepKind(a: Attributes, isRoot: boolean, aiOperation: string | null): StepKindName {
  const explicit = str(a, "flightdeck.step.kind")?.toUpperCase();
  if (explicit) {
    if ((STEP_KINDS as readonly string[]).includes(explicit)) return explicit as StepKindName;
    throw new Reject(`flightdeck.step.kind must be one of ${STEP_KINDS.join(", ")}.`);
  }
  if (str(a, "flightdeck.decision.chosen") !== null) return "DECISION";
  if (str(a, "flightdeck.state.to", "flightdeck.state.from") !== null) return "STATE_TRANSITION";
  if (aiOperation !== null) {
    if (aiOperation.endsWith(".doGenerate") || aiOperation.endsWith(".doStream") || aiOperation.endsWith(".doEmbed")) return "LLM_CALL";
    if (aiOperation === "ai.toolCall") return "TOOL_CALL";
    if (AI_SDK_CALLS.has(aiOperation)) return "AGENT";
  }
  const operation = str(a, "gen_ai.operation.name");
  if (operation && LLM_OPERATIONS.has(operation)) return "LLM_CALL";
  if (operation && OPERATION_KINDS[operation]) return OPERATION_KINDS[operation];
  const openInference = str(a, "openinference.span.kind")?.toUpperCase();
  if (openInference && OPENINFERENCE_KINDS[openInference]) return OPENINFERENCE_KINDS[openInference];
  // A chain at the root is what the app ran (LangChain's agent executor, a RunnableSequence): the run's agent step.
  if (openInference === "CHAIN" && isRoot) return "AGENT";
  const traceloop = str(a, "traceloop.span.kind");
  if (traceloop && TRACELOOP_KINDS[traceloop]) return TRACELOOP_KINDS[traceloop];
  if (str(a, "gen_ai.request.model", "gen_ai.response.model", "llm.model_name") !== null) return "LLM_CALL";
  if (INPUT_TOKENS.some((k) => a[k] !== undefined)) return "LLM_CALL";
  if (str(a, "gen_ai.tool.name", "tool.name") !== null) return "TOOL_CALL";
  return "OTHER";
}

/**
 * `{prefix}{i}.{rest}` attributes → `[{ rest… }]`, e.g. `gen_ai.prompt.0.role`, nested along the rest:
 * `llm.output_messages.0.message.tool_calls.0.tool_call.function.name` → `[{ tool_calls: [{ function: { name } }] }]`
 * (OpenInference wraps every list element in `message.` / `tool_call.` / `message_content.`: unwrapped).
 */
function flattenedMessages(a: Attributes, prefixes: string[], consumed: Set<string>): JsonValue[] | null {
  let byIndex: Map<number, { [key: string]: JsonValue }> | null = null;
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
    const index = Number(match[1]);
    let message = byIndex.get(index);
    if (!message) byIndex.set(index, (message = {}));
    setFlatPath(message, match[2]!, value);
  }
  if (byIndex === null) return null;
  return [...byIndex.entries()].sort(([x], [y]) => x - y).map(([, m]) => compactArrays(m));
}

/** The flattened list's name for `flightdeck.mapped_from`, e.g. `llm.input_messages.*`. */
function flatSource(prefixes: string[], consumed: Set<string>): string {
  for (const k of consumed) for (const p of prefixes) if (k.startsWith(p)) return `${p}*`;
  return `${prefixes[0]}*`;
}

/** OpenInference's wrapper segments, dropped when they open a list element (or the message). */
const FLAT_WRAPPERS = new Set(["message", "tool_call", "message_content"]);
/** A nested list index above this is kept as an object key (a huge index must not allocate a huge array). */
const MAX_FLAT_INDEX = 1000;
/** Deeper paths stay one flat key: nesting is for messages, not for keys built to exhaust the stack. */
const MAX_FLAT_DEPTH = 16;
const isIndex = (segment: string) => segment.length > 0 && segment.length <= 4 && /^\d+$/.test(segment) && Number(segment) <= MAX_FLAT_INDEX;

function setFlatPath(message: { [key: string]: JsonValue }, path: string, value: JsonValue): void {
  const segments = path.split(".").filter((segment, i, all) => !(FLAT_WRAPPERS.has(segment) && (i === 0 || isIndex(all[i - 1]!))));
  if (segments.length === 0) return;
  if (segments.length > MAX_FLAT_DEPTH) {
    message[path] = value;
    return;
  }
  let node: { [key: string]: JsonValue } | JsonValue[] = message;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    const last = i === segments.length - 1;
    const key: string | number = Array.isArray(node) && isIndex(segment) ? Number(segment) : segment;
    if (Array.isArray(node) && typeof key === "string") {
      // A key that is not an index under a list: the rest stays one flat key of the message.
      message[segments.join(".")] = value;
      return;
    }
    if (last) {
      (node as Record<string | number, JsonValue>)[key] = value;
      return;
    }
    const existing: JsonValue | undefined = (node as Record<string | number, JsonValue>)[key];
    let child: { [key: string]: JsonValue } | JsonValue[];
    if (existing !== undefined && existing !== null && typeof existing === "object") child = existing;
    else {
      child = isIndex(segments[i + 1]!) ? [] : {};
      (node as Record<string | number, JsonValue>)[key] = child;
    }
    node = child;
  }
}

/** Lists built from indices may have holes (an index skipped): closed up, so no null is stored for them. */
function compactArrays<T extends JsonValue>(value: T): T {
  if (Array.isArray(value)) return value.filter(() => true).map((v) => compactArrays(v)) as T;
  if (value !== null && typeof value === "object") {
    for (const k in value) (value as Record<string, JsonValue>)[k] = compactArrays((value as Record<string, JsonValue>)[k]!);
  }
  return value;
}

interface EventMessages {
  input: JsonValue[];
  output: JsonValue[];
  inputAttr: JsonValue | null;
  outputAttr: JsonValue | null;
  exception: string | null;
  /** The first `gen_ai.guardrail.result` event's attributes (the event also stays in otel.events). */
  guardrail: Attributes | null;
  rest: OtlpEvent[];
}

function eventMessages(events: OtlpEvent[]): EventMessages {
  const out: EventMessages = { input: [], output: [], inputAttr: null, outputAttr: null, exception: null, guardrail: null, rest: [] };
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
      if (e.name === "gen_ai.guardrail.result" && !out.guardrail) out.guardrail = e.attributes;
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


function decision(a: Attributes, guardrail: Attributes | null, sources: Sources): DecisionJson | null {
  const chosen = str(a, "flightdeck.decision.chosen");
  if (chosen === null) {
    // A guardrail's verdict (span attribute or gen_ai.guardrail.result event), or the proposed tool-call decision.
    const verdict = strOf(a, GUARDRAIL_RESULT_KEYS, "decision", sources) ?? (guardrail && strOf(guardrail, GUARDRAIL_RESULT_KEYS, "decision", sources));
    if (verdict) {
      const rationale = strOf(a, GUARDRAIL_REASON_KEYS, "rationale", sources) ?? (guardrail && strOf(guardrail, GUARDRAIL_REASON_KEYS, "rationale", sources));
      return { chosen: verdict, rationale, alternatives: [], confidence: null };
    }
    const toolDecision = strOf(a, TOOL_DECISION_KEYS, "decision", sources);
    return toolDecision === null ? null : { chosen: toolDecision, rationale: null, alternatives: [], confidence: null };
  }
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

function promptVersion(a: Attributes, sources: Sources): number | null {
  const v = num(a, PROMPT_VERSION_KEYS, "a prompt version", "promptVersion", sources);
  if (v === null) return null;
  if (!Number.isInteger(v) || v < 1 || v > MAX_PROMPT_VERSION) {
    const key = PROMPT_VERSION_KEYS.find((k) => a[k] !== undefined && a[k] !== null && a[k] !== "");
    throw new Reject(`${key} must be a whole number from 1 to ${MAX_PROMPT_VERSION}, got ${v}.`);
  }
  return v;
}

const isObject = (v: JsonValue | null | undefined): v is { [key: string]: JsonValue } => v !== null && v !== undefined && typeof v === "object" && !Array.isArray(v);

/** AI SDK `ai.prompt` (`{ system, prompt, messages }`, on its outer spans) as a message list. */
function aiSdkPrompt(value: AttrValue | undefined): JsonValue[] | null {
  const prompt = parseJsonish(value);
  if (!isObject(prompt)) return null;
  const out: JsonValue[] = [];
  if (typeof prompt.system === "string") out.push({ role: "system", content: prompt.system });
  if (Array.isArray(prompt.messages)) out.push(...prompt.messages);
  if (typeof prompt.prompt === "string") out.push({ role: "user", content: prompt.prompt });
  else if (Array.isArray(prompt.prompt)) out.push(...prompt.prompt);
  return out.length ? out : null;
}

/** AI SDK `ai.response.text` / `.toolCalls` / `.object` as one assistant message, in the SDK's own part shapes. */
function aiSdkResponse(a: Attributes): JsonValue[] | null {
  const text = a["ai.response.text"];
  const toolCalls = parseJsonish(a["ai.response.toolCalls"]);
  const object = a["ai.response.object"];
  if (object !== undefined && object !== null) return [{ role: "assistant", content: parseJsonish(object) }];
  const calls = Array.isArray(toolCalls) ? toolCalls : [];
  if (calls.length === 0) return typeof text === "string" ? [{ role: "assistant", content: text }] : null;
  const parts: JsonValue[] = typeof text === "string" && text !== "" ? [{ type: "text", text }] : [];
  for (const call of calls) {
    if (!isObject(call)) parts.push(call);
    // The call's input (AI SDK 5+; `args` in 4) arrives as JSON text: stored as the value it encodes.
    else if (typeof call.input === "string") parts.push({ type: "tool-call", ...call, input: parseJsonish(call.input) });
    else if (typeof call.args === "string") parts.push({ type: "tool-call", ...call, args: parseJsonish(call.args) });
    else parts.push({ type: "tool-call", ...call });
  }
  return [{ role: "assistant", content: parts }];
}

/** OpenLLMetry's entity input is `{ args: [...], kwargs: {...} }`: the call's arguments are whichever is not empty. */
function traceloopArguments(input: JsonValue | null): JsonValue | null {
  if (!isObject(input) || !Array.isArray(input.args) || !isObject(input.kwargs)) return input;
  if (input.args.length === 0) return input.kwargs;
  if (Object.keys(input.kwargs).length === 0) return input.args.length === 1 ? input.args[0]! : input.args;
  return input;
}

/**
 * Cached input tokens from the AI SDK's `ai.response.providerMetadata`, for calls that report them only
 * there (AI SDK 5's generateText omits its usage's cachedInputTokens): Anthropic's raw usage, Bedrock's,
 * OpenAI's `cachedPromptTokens`, Google's usage metadata.
 */
function providerCachedTokens(value: AttrValue | undefined): number | null {
  if (typeof value !== "string" || !value.includes("ache")) return null;
  const metadata = parseJsonish(value);
  if (!isObject(metadata)) return null;
  for (const provider in metadata) {
    const p = metadata[provider];
    if (!isObject(p)) continue;
    const usage = isObject(p.usage) ? p.usage : isObject(p.usageMetadata) ? p.usageMetadata : null;
    const n = p.cachedPromptTokens ?? p.cacheReadInputTokens ?? usage?.cache_read_input_tokens ?? usage?.cacheReadInputTokens ?? usage?.cachedContentTokenCount;
    if (typeof n === "number" && Number.isInteger(n) && n >= 0 && n <= MAX_TOKENS) return n;
  }
  return null;
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
  // The Vercel AI SDK names every span's operation; its own attributes are read only on its spans.
  const aiOperation = str(a, "ai.operationId");
  const kind = stepKind(a, parentSpanId === null, aiOperation);
  // Keys consumed beyond CONSUMED (flattened messages, OpenInference values), per span.
  const consumed = new Set<string>();
  const sources: Sources = {};
  const events = eventMessages(span.events);

  const carriedCostUsd = num(a, CARRIED_COST, "USD", "carriedCostUsd", sources);
  if (carriedCostUsd !== null && (carriedCostUsd < 0 || carriedCostUsd > MAX_SPAN_COST_USD)) {
    throw new Reject(`the span's cost must be between 0 and ${MAX_SPAN_COST_USD} USD, got ${carriedCostUsd}.`);
  }
  // An AI SDK model call reads the SDK's usage names too; its outer spans keep theirs (sums) as attributes.
  const aiCall = aiOperation !== null && kind === "LLM_CALL";
  if (aiCall) for (const k of AI_USAGE_KEYS) consumed.add(k);
  const inputTokens = tokens(a, aiCall ? AI_INPUT_TOKENS : INPUT_TOKENS, "inputTokens", sources);
  const outputTokens = tokens(a, aiCall ? AI_OUTPUT_TOKENS : OUTPUT_TOKENS, "outputTokens", sources);
  let cachedInputTokens = tokens(a, aiCall ? AI_CACHED_TOKENS : CACHED_TOKENS, "cachedInputTokens", sources);
  if (aiCall && cachedInputTokens === null) {
    cachedInputTokens = providerCachedTokens(a["ai.response.providerMetadata"]);
    if (cachedInputTokens !== null) sources.cachedInputTokens = "ai.response.providerMetadata";
  }

  const flatInput = flattenedMessages(a, FLAT_INPUT, consumed);
  const flatOutput = flattenedMessages(a, FLAT_OUTPUT, consumed);
  let inputMessages =
    parseJsonish(a["gen_ai.input.messages"]) ?? events.inputAttr ?? (events.input.length ? events.input : null) ?? parseJsonish(a["gen_ai.prompt"]) ?? flatInput;
  let outputMessages =
    parseJsonish(a["gen_ai.output.messages"]) ??
    events.outputAttr ??
    (events.output.length ? events.output : null) ??
    parseJsonish(a["gen_ai.completion"]) ??
    flatOutput;
  if (flatInput !== null && inputMessages === flatInput) noteSource(sources, "inputMessages", flatSource(FLAT_INPUT, consumed));
  if (flatOutput !== null && outputMessages === flatOutput) noteSource(sources, "outputMessages", flatSource(FLAT_OUTPUT, consumed));
  if (aiOperation !== null) {
    if (inputMessages === null) {
      const messages = a["ai.prompt.messages"];
      inputMessages = messages !== undefined ? parseJsonish(messages) : aiSdkPrompt(a["ai.prompt"]);
      if (inputMessages !== null) sources.inputMessages = messages !== undefined ? "ai.prompt.messages" : "ai.prompt";
    }
    if (outputMessages === null) {
      outputMessages = aiSdkResponse(a);
      if (outputMessages !== null) sources.outputMessages = a["ai.response.object"] !== undefined ? "ai.response.object" : "ai.response.text";
    }
  }

  const isTool = kind === "TOOL_CALL";
  // OpenLLMetry names a tool (and an agent) span by its entity name.
  const traceloopKind = str(a, "traceloop.span.kind");
  const entityKey = traceloopKind === "tool" ? "tool" : traceloopKind === "agent" ? "agentName" : null;
  let args = jsonOf(a, ARGUMENT_KEYS, "arguments", sources);
  let result = jsonOf(a, RESULT_KEYS, "result", sources);
  if (isTool && args === null) {
    const key = a["input.value"] !== undefined ? "input.value" : traceloopKind === "tool" && a["traceloop.entity.input"] !== undefined ? "traceloop.entity.input" : null;
    if (key !== null) {
      args = key === "traceloop.entity.input" ? traceloopArguments(parseJsonish(a[key])) : parseJsonish(a[key]);
      consumed.add(key);
      sources.arguments = key;
    }
  }
  if (isTool && result === null) {
    const key = a["output.value"] !== undefined ? "output.value" : traceloopKind === "tool" && a["traceloop.entity.output"] !== undefined ? "traceloop.entity.output" : null;
    if (key !== null) {
      result = parseJsonish(a[key]);
      consumed.add(key);
      sources.result = key;
    }
  }
  let tool = strOf(a, TOOL_KEYS, "tool", sources);
  let agentName = strOf(a, AGENT_KEYS, "agentName", sources);
  if (entityKey !== null) {
    const entity = str(a, "traceloop.entity.name");
    if (entity !== null && entityKey === "tool" && tool === null) {
      tool = entity;
      sources.tool = "traceloop.entity.name";
    }
    // An agent span's own name beats the workflow's (the fallback in AGENT_KEYS).
    if (entity !== null && entityKey === "agentName" && (agentName === null || sources.agentName === "traceloop.workflow.name")) {
      agentName = entity;
      sources.agentName = "traceloop.entity.name";
    }
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

  const stepDecision = decision(a, events.guardrail, sources);
  const teamName = strOf(a, TEAM_KEYS, "teamName", sources) ?? str(span.resource, "flightdeck.team");
  const promptName = strOf(a, PROMPT_NAME_KEYS, "promptName", sources);
  const step: StepDraft = {
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId,
    kind,
    name: truncate(span.name || str(a, "gen_ai.operation.name") || "unnamed span", MAX_NAME_LENGTH),
    status: failed ? "FAILED" : "OK",
    error,
    startedAt,
    endedAt,
    model: label("the model", strOf(a, MODEL_KEYS, "model", sources)),
    provider: strOf(a, PROVIDER_KEYS, "provider", sources),
    inputTokens,
    outputTokens,
    cachedInputTokens,
    carriedCostUsd,
    promptName: label(String(sources.promptName ?? "flightdeck.prompt.name"), promptName),
    promptVersion: promptVersion(a, sources),
    tool,
    arguments: args,
    result,
    decision: stepDecision,
    inputMessages,
    outputMessages,
    attributes,
    agentName: label(String(sources.agentName ?? "gen_ai.agent.name"), agentName),
    serviceName: label("the resource's service.name", serviceName(span.resource)),
    teamName: label(String(sources.teamName ?? "flightdeck.team"), teamName),
    conversationId: strOf(a, CONVERSATION_KEYS, "conversationId", sources),
    runOutcome: outcome(a),
    runOutcomeImpact: str(a, "flightdeck.run.outcome_impact"),
  };
  // Only when something came from outside gen_ai.* / flightdeck.* (plain GenAI spans keep no map).
  for (const _ in sources) {
    attributes[MAPPED_FROM] = sources;
    break;
  }
  return step;
}
