/**
 * Redaction of a mapped step before it is stored: every text it carries
 * (names, errors, decisions, messages, arguments, results, every kept
 * attribute, object keys, card numbers sent as integers), so nothing the
 * store derives from it (run names, agents, teams, spend rows) holds the
 * original either.
 */
import { marker } from "@/lib/redaction/detectors";
import type { Redactor } from "@/lib/redaction/redactor";
import { MAX_JSON_DEPTH } from "./storable";
import type { JsonValue, StepDraft } from "./types";

/**
 * Redacts every string in stored values, counting what it replaced. Walks JSON itself rather
 * than handing whole documents to the redactor, because stored documents also carry secrets
 * where the redactor's walker does not look: object keys (kvlists keyed by e-mail address) and
 * card numbers sent as integers. Past MAX_JSON_DEPTH (which the mapping already refuses) the
 * rest is replaced by a marker, never stored unredacted.
 */
export class TextRedaction {
  count = 0;
  /** `done`: long strings already redacted (asynchronously, see redactSteps), by their original text. */
  constructor(
    private readonly redactor: Redactor,
    private readonly done?: ReadonlyMap<string, { value: string; count: number }>,
  ) {}

  text(value: string): string {
    const r = this.done?.get(value) ?? this.redactor.redact(value);
    this.count += r.count;
    return r.value;
  }

  optional<T extends string | null | undefined>(value: T): T {
    return (typeof value === "string" ? this.text(value) : value) as T;
  }

  json<T extends JsonValue | null>(value: T, depth = 0): T {
    return this.walk(value, depth) as T;
  }

  private walk(v: JsonValue | null, depth: number): JsonValue | null {
    if (typeof v === "string") return this.text(v);
    if (typeof v === "number") return this.integer(v);
    if (v === null || typeof v !== "object") return v;
    if (depth >= MAX_JSON_DEPTH) {
      this.count += 1;
      return marker("TOO_DEEP");
    }
    let changed = false;
    if (Array.isArray(v)) {
      const out = v.map((item) => {
        const next = this.walk(item, depth + 1)!;
        if (next !== item) changed = true;
        return next;
      });
      return changed ? out : v;
    }
    const out: { [key: string]: JsonValue } = {};
    for (const key in v) {
      const item = v[key]!;
      const redactedKey = this.text(key);
      let k = redactedKey;
      // Two keys redacted alike must not overwrite each other.
      for (let n = 2; k !== key && Object.hasOwn(out, k); n++) k = `${redactedKey} (${n})`;
      const next = this.walk(item, depth + 1)!;
      if (k !== key || next !== item) changed = true;
      out[k] = next;
    }
    return changed ? out : v;
  }

  /** A card number sent as an integer attribute is still a card number: integers of 12+ digits are redacted as text. */
  private integer(n: number): JsonValue {
    if (!Number.isSafeInteger(n) || Math.abs(n) < 1e11) return n;
    const r = this.redactor.redact(String(n));
    if (r.count === 0) return n;
    this.count += r.count;
    return r.value;
  }
}

/** A step with every text it stores redacted, and how many replacements that made. */
export function redactStep(
  s: StepDraft,
  redactor: Redactor,
  done?: ReadonlyMap<string, { value: string; count: number }>,
): { step: StepDraft; redactions: number } {
  const r = new TextRedaction(redactor, done);
  const step: StepDraft = {
    ...s,
    name: r.text(s.name),
    error: r.optional(s.error),
    model: r.optional(s.model),
    provider: r.optional(s.provider),
    promptName: r.optional(s.promptName),
    tool: r.optional(s.tool),
    arguments: r.json(s.arguments),
    result: r.json(s.result),
    decision: s.decision && {
      chosen: r.optional(s.decision.chosen),
      rationale: r.optional(s.decision.rationale),
      // The decision object and its list are two levels of the stored document.
      alternatives: s.decision.alternatives.map((a) => r.json(a, 2)),
      confidence: s.decision.confidence,
    },
    inputMessages: r.json(s.inputMessages),
    outputMessages: r.json(s.outputMessages),
    attributes: r.json(s.attributes),
    agentName: r.optional(s.agentName),
    serviceName: r.optional(s.serviceName),
    teamName: r.optional(s.teamName),
    conversationId: r.optional(s.conversationId),
    runOutcomeImpact: r.optional(s.runOutcomeImpact),
  };
  return { step, redactions: r.count };
}

/** How long redaction works before it lets other requests (health checks included) run. */
const REDACTION_SLICE_MS = 10;

/** Strings at least this long are redacted ahead, with pauses between the rules (one rule over 1 MB takes ~10–20 ms). */
const LONG_TEXT = 64 * 1024;

/** The long strings of a step's JSON documents (messages, arguments, results, attributes). */
function longTexts(s: StepDraft): string[] {
  const found: string[] = [];
  const walk = (v: JsonValue | null, depth: number): void => {
    if (typeof v === "string") {
      if (v.length >= LONG_TEXT) found.push(v);
    } else if (v !== null && typeof v === "object" && depth < MAX_JSON_DEPTH) {
      for (const item of Array.isArray(v) ? v : Object.values(v)) walk(item, depth + 1);
    }
  };
  for (const doc of [s.inputMessages, s.outputMessages, s.arguments, s.result, s.attributes]) walk(doc, 0);
  if (s.error && s.error.length >= LONG_TEXT) found.push(s.error);
  return found;
}

/**
 * Every step redacted, giving the event loop back whenever the work has taken REDACTION_SLICE_MS:
 * between steps, and between the rules applied to each long string (redacted ahead with
 * `redactAsync`). A 16 MB batch takes a second or two to redact; without the pauses every other
 * request of the instance waits for all of it (bench/README.md, redaction).
 */
export async function redactSteps(steps: StepDraft[], redactor: Redactor): Promise<{ step: StepDraft; redactions: number }[]> {
  const out: { step: StepDraft; redactions: number }[] = [];
  let since = performance.now();
  for (const s of steps) {
    const long = longTexts(s);
    let done: Map<string, { value: string; count: number }> | undefined;
    if (long.length) {
      done = new Map();
      for (const text of long) if (!done.has(text)) done.set(text, await redactor.redactAsync(text));
      since = performance.now();
    }
    out.push(redactStep(s, redactor, done));
    if (performance.now() - since >= REDACTION_SLICE_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      since = performance.now();
    }
  }
  return out;
}

