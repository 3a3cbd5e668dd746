/**
 * What PostgreSQL can store: every string, key and JSON document a step (or a
 * native item) would write is checked here in one bounded pass, so a value
 * text or jsonb refuses (NUL, a lone surrogate, nesting past MAX_JSON_DEPTH)
 * rejects its span or item alone instead of failing the whole request.
 */
import { DEFAULT_JSON_MAX_DEPTH } from "@/lib/api/body";
import type { StepDraft } from "./types";

/**
 * How deep every stored JSON document (a jsonb column: attributes, messages, arguments…) may
 * nest: the limit of API bodies (lib/api/body.ts), which no real payload reaches. Serialising,
 * redacting and rendering are recursive; JSON carried in a string attribute is not bounded by the
 * request body's own depth check, so it is checked here.
 */
export const MAX_JSON_DEPTH = DEFAULT_JSON_MAX_DEPTH;

/**
 * Why PostgreSQL cannot store this string, or null. text and jsonb refuse U+0000; a lone
 * surrogate is not Unicode (JSON.stringify writes it as an escape that jsonb refuses). One
 * native scan each, on every stored string: the hot path can afford it.
 */
export function unstorableText(s: string): string | null {
  if (s.indexOf("\u0000") !== -1) return "contains a NUL character (\\u0000), which PostgreSQL cannot store";
  if (!s.isWellFormed()) return "contains a lone UTF-16 surrogate (not valid Unicode)";
  return null;
}

export interface Unstorable {
  /** Keys and indexes from the value checked down to the problem (the key itself, for a bad key). */
  path: (string | number)[];
  message: string;
}

/**
 * The first string, key or container in `value` that cannot be stored, or null. `depth` is the
 * number of containers already around `value` in its stored document; containers deeper than
 * MAX_JSON_DEPTH are refused. One pass; it stops descending at the limit, so its own recursion is
 * bounded whatever the input. The path is built only on failure.
 */
export function findUnstorable(value: unknown, depth = 0): Unstorable | null {
  const found = walk(value, depth);
  if (found === null) return null;
  found.path.reverse();
  return found;
}

function walk(v: unknown, depth: number): Unstorable | null {
  if (typeof v === "string") {
    const problem = unstorableText(v);
    return problem === null ? null : { path: [], message: problem };
  }
  if (v === null || typeof v !== "object" || v instanceof Date) return null;
  if (depth >= MAX_JSON_DEPTH) return { path: [], message: `nests deeper than ${MAX_JSON_DEPTH} levels of arrays and objects` };
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const found = walk(v[i], depth + 1);
      if (found) {
        found.path.push(i);
        return found;
      }
    }
    return null;
  }
  for (const key in v) {
    const keyProblem = unstorableText(key);
    if (keyProblem !== null) return { path: [key], message: `has a key that ${keyProblem}` };
    const found = walk((v as Record<string, unknown>)[key], depth + 1);
    if (found) {
      found.path.push(key);
      return found;
    }
  }
  return null;
}

/** A path as shown in a message, e.g. `attributes["llm.input_messages"][0]`; bad characters in keys are replaced so the message is readable. */
export function describePath(path: (string | number)[]): string {
  return path.map((p) => (typeof p === "number" ? `[${p}]` : `[${JSON.stringify(p.replaceAll("\u0000", "\\0").toWellFormed())}]`)).join("");
}

/** Every stored string and JSON document of a mapped step, each checked in one pass; why the first bad one cannot be stored, or null. */
export function unstorableStep(step: StepDraft): string | null {
  for (const field of STORED_TEXT) {
    const value = step[field];
    const problem = value === null ? null : unstorableText(value);
    if (problem !== null) return `${field} ${problem}.`;
  }
  for (const field of STORED_JSON) {
    const found = findUnstorable(step[field]);
    if (found) return `${field}${describePath(found.path)} ${found.message}.`;
  }
  return null;
}

const STORED_TEXT = [
  "name",
  "error",
  "model",
  "provider",
  "promptName",
  "tool",
  "agentName",
  "serviceName",
  "teamName",
  "conversationId",
  "runOutcomeImpact",
] as const satisfies readonly (keyof StepDraft)[];
const STORED_JSON = ["attributes", "arguments", "result", "decision", "inputMessages", "outputMessages"] as const satisfies readonly (keyof StepDraft)[];
