/**
 * Built-in heuristic evaluators of LLM outputs, configured per agent in
 * AgentConfigVersion.evaluators (a JSON array) and run at ingestion. Pure code:
 * no database, no network, bounded work per output.
 *
 * Configuration shape (unknown or malformed entries are skipped):
 *   { "type": "json" }                                     output parses as JSON
 *   { "type": "jsonSchema", "schema": { … } }              output is JSON matching a schema subset
 *   { "type": "regex", "pattern": "…", "flags": "i", "mode": "match" | "avoid" }
 *   { "type": "maxLength", "max": 2000 }                   characters
 *   { "type": "noPersonalData" }                           no e-mail, card, IBAN or phone number
 * Each may carry a "name" (the Evaluation's name); the default is the type.
 *
 * Regex patterns go through the guard shared with custom redaction patterns
 * (lib/redaction/safe-regex.ts): `evaluatorSchema` refuses a pattern that can
 * backtrack catastrophically, with the reason; a stored configuration that
 * predates the guard is skipped at run time with that reason (in `problems`
 * and the log), never run; accepted patterns search in bounded windows.
 */
import { z } from "zod";
import { builtinRule, type StringRule } from "@/lib/redaction/detectors";
import { checkPattern, SafeRegex } from "@/lib/redaction/safe-regex";

const named = { name: z.string().trim().min(1).max(80).optional() };

export const evaluatorSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("json"), ...named }),
  z.object({ type: z.literal("jsonSchema"), schema: z.record(z.string(), z.unknown()), ...named }),
  z
    .object({
      type: z.literal("regex"),
      pattern: z.string().min(1).max(500),
      flags: z.string().regex(/^[imsu]*$/).optional(),
      mode: z.enum(["match", "avoid"]).default("match"),
      ...named,
    })
    .superRefine((config, ctx) => {
      const check = checkPattern(config.pattern, config.flags ?? "");
      if (!check.ok) ctx.addIssue({ code: "custom", path: ["pattern"], message: check.reason });
    }),
  z.object({ type: z.literal("maxLength"), max: z.number().int().positive(), ...named }),
  z.object({ type: z.literal("noPersonalData"), ...named }),
]);
export type EvaluatorConfig = z.infer<typeof evaluatorSchema>;

/** A compiled evaluator: pure function of the output text. */
export interface Evaluator {
  name: string;
  evaluate(output: OutputText): { passed: boolean; comment: string | null };
}

export interface OutputText {
  text: string;
  /** How many values ingestion redacted in this step (personal data seen before storage). */
  redactions: number;
}

/** Regexes and schema checks see at most this many characters: ingestion must stay fast. */
export const MAX_EVALUATED_CHARS = 50_000;

/**
 * Parses an agent's evaluator list; malformed or refused entries are dropped,
 * counted in `skipped` and explained in `problems` (also logged, once per
 * distinct problem, since configurations are compiled on every batch).
 */
export function compileEvaluators(config: unknown): { evaluators: Evaluator[]; skipped: number; problems: string[] } {
  if (!Array.isArray(config)) return { evaluators: [], skipped: 0, problems: [] };
  const evaluators: Evaluator[] = [];
  const problems: string[] = [];
  config.forEach((entry: unknown, index) => {
    const parsed = evaluatorSchema.safeParse(entry);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      problems.push(`evaluator ${index + 1} skipped: ${issue ? `${issue.path.join(".") || "entry"}: ${issue.message}` : "malformed"}`);
      return;
    }
    const compiled = compile(parsed.data);
    if (compiled) evaluators.push(compiled);
    else problems.push(`evaluator ${index + 1} skipped: its pattern does not compile`);
  });
  for (const problem of problems) warnOnce(problem);
  return { evaluators, skipped: problems.length, problems };
}

const warned = new Set<string>();
function warnOnce(problem: string) {
  if (warned.has(problem) || warned.size > 1000) return;
  warned.add(problem);
  console.warn(`[flightdeck] ${problem}`);
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  const trimmed = stripFences(text).trim();
  try {
    return { ok: true, value: JSON.parse(trimmed) };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : "not JSON" };
  }
}

/** Models often wrap JSON in a Markdown code fence; that still counts as JSON output. */
function stripFences(text: string): string {
  const fenced = /^\s*```(?:json)?\s*\n([\s\S]*?)\n?```\s*$/i.exec(text);
  return fenced ? fenced[1]! : text;
}

let personalDataRules: StringRule[] | null = null;
const PERSONAL_MARKER = /\[REDACTED:(EMAIL|CARD|IBAN|PHONE)\]/;

function compile(config: EvaluatorConfig): Evaluator | null {
  switch (config.type) {
    case "json":
      return {
        name: config.name ?? "valid-json",
        evaluate: ({ text }) => {
          const r = parseJson(text.slice(0, MAX_EVALUATED_CHARS * 4));
          return r.ok ? { passed: true, comment: null } : { passed: false, comment: `Not valid JSON: ${r.error}` };
        },
      };
    case "jsonSchema":
      return {
        name: config.name ?? "json-schema",
        evaluate: ({ text }) => {
          const r = parseJson(text.slice(0, MAX_EVALUATED_CHARS * 4));
          if (!r.ok) return { passed: false, comment: `Not valid JSON: ${r.error}` };
          const problems = validateSchema(r.value, config.schema, "$", []);
          return problems.length === 0 ? { passed: true, comment: null } : { passed: false, comment: problems.slice(0, 5).join("; ") };
        },
      };
    case "regex": {
      // evaluatorSchema already ran checkPattern (compiles, safe); SafeRegex bounds the rest.
      let re: SafeRegex;
      try {
        re = new SafeRegex(config.pattern, config.flags ?? "");
      } catch {
        return null;
      }
      const avoid = config.mode === "avoid";
      return {
        name: config.name ?? (avoid ? "avoids-pattern" : "matches-pattern"),
        evaluate: ({ text }) => {
          const found = re.test(text.slice(0, MAX_EVALUATED_CHARS));
          const passed = avoid ? !found : found;
          return { passed, comment: passed ? null : avoid ? `Contains /${config.pattern}/` : `Does not match /${config.pattern}/` };
        },
      };
    }
    case "maxLength":
      return {
        name: config.name ?? "max-length",
        evaluate: ({ text }) =>
          text.length <= config.max
            ? { passed: true, comment: null }
            : { passed: false, comment: `${text.length.toLocaleString("en-US")} characters, over ${config.max.toLocaleString("en-US")}` },
      };
    case "noPersonalData":
      return {
        name: config.name ?? "no-personal-data",
        evaluate: ({ text, redactions }) => {
          const found = detectPersonalData(text.slice(0, MAX_EVALUATED_CHARS));
          if (found.length > 0) return { passed: false, comment: `Contains ${found.join(", ")}` };
          if (PERSONAL_MARKER.test(text)) return { passed: false, comment: "Contained personal data (redacted before storage)" };
          if (redactions > 0 && /\[REDACTED:/.test(text)) return { passed: false, comment: "Contained data redacted before storage" };
          return { passed: true, comment: null };
        },
      };
  }
}

/** Kinds of personal data found in a text (reusing ingestion's redaction detectors). */
export function detectPersonalData(text: string): string[] {
  personalDataRules ??= (["EMAIL", "CARD", "IBAN", "PHONE"] as const).map((k) => builtinRule(k));
  const found: string[] = [];
  for (const rule of personalDataRules) if (rule.apply(text).count > 0) found.push(rule.type.toLowerCase());
  return found;
}

// ── JSON Schema subset: type, required, properties, items, enum, const,
//    minLength/maxLength, minimum/maximum, additionalProperties: false ──

type Schema = Record<string, unknown>;

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function typeMatches(value: unknown, expected: string): boolean {
  const actual = typeOf(value);
  return actual === expected || (expected === "number" && actual === "integer");
}

export function validateSchema(value: unknown, schema: Schema, path: string, problems: string[]): string[] {
  if (problems.length >= 20) return problems;
  const type = schema.type;
  if (typeof type === "string" || Array.isArray(type)) {
    const types = (Array.isArray(type) ? type : [type]).filter((t): t is string => typeof t === "string");
    if (types.length && !types.some((t) => typeMatches(value, t))) {
      problems.push(`${path} should be ${types.join(" or ")}, is ${typeOf(value)}`);
      return problems;
    }
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    problems.push(`${path} should be one of ${schema.enum.map((e) => JSON.stringify(e)).join(", ")}`);
  }
  if ("const" in schema && JSON.stringify(schema.const) !== JSON.stringify(value)) problems.push(`${path} should be ${JSON.stringify(schema.const)}`);
  if (typeof value === "string") {
    if (typeof schema.minLength === "number" && value.length < schema.minLength) problems.push(`${path} is shorter than ${schema.minLength}`);
    if (typeof schema.maxLength === "number" && value.length > schema.maxLength) problems.push(`${path} is longer than ${schema.maxLength}`);
  }
  if (typeof value === "number") {
    if (typeof schema.minimum === "number" && value < schema.minimum) problems.push(`${path} is below ${schema.minimum}`);
    if (typeof schema.maximum === "number" && value > schema.maximum) problems.push(`${path} is above ${schema.maximum}`);
  }
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    if (Array.isArray(schema.required)) {
      for (const key of schema.required) if (typeof key === "string" && !(key in obj)) problems.push(`${path}.${key} is required`);
    }
    const properties = schema.properties && typeof schema.properties === "object" ? (schema.properties as Record<string, Schema>) : {};
    for (const [key, sub] of Object.entries(properties)) {
      if (key in obj && sub && typeof sub === "object") validateSchema(obj[key], sub, `${path}.${key}`, problems);
    }
    if (schema.additionalProperties === false) {
      for (const key of Object.keys(obj)) if (!(key in properties)) problems.push(`${path}.${key} is not allowed`);
    }
  }
  if (Array.isArray(value) && schema.items && typeof schema.items === "object" && !Array.isArray(schema.items)) {
    value.slice(0, 1000).forEach((item, i) => validateSchema(item, schema.items as Schema, `${path}[${i}]`, problems));
  }
  return problems;
}

/**
 * The text of an LLM step's output messages: OpenTelemetry GenAI shapes
 * (`[{ role, parts: [{ type: "text", content }] }]`), chat shapes
 * (`[{ role, content }]`), a bare string, or anything else as JSON.
 */
export function outputText(outputMessages: unknown): string | null {
  if (outputMessages === null || outputMessages === undefined) return null;
  if (typeof outputMessages === "string") return outputMessages;
  const messages = Array.isArray(outputMessages) ? outputMessages : [outputMessages];
  const texts: string[] = [];
  for (const m of messages) {
    if (typeof m === "string") texts.push(m);
    else if (m && typeof m === "object") {
      const msg = m as { content?: unknown; parts?: unknown; text?: unknown };
      if (typeof msg.content === "string") texts.push(msg.content);
      else if (typeof msg.text === "string") texts.push(msg.text);
      else if (Array.isArray(msg.parts) || Array.isArray(msg.content)) {
        const parts = (Array.isArray(msg.parts) ? msg.parts : msg.content) as unknown[];
        for (const p of parts) {
          if (typeof p === "string") texts.push(p);
          else if (p && typeof p === "object") {
            const part = p as { content?: unknown; text?: unknown };
            if (typeof part.content === "string") texts.push(part.content);
            else if (typeof part.text === "string") texts.push(part.text);
          }
        }
      } else texts.push(JSON.stringify(m));
    }
  }
  return texts.join("\n");
}

/** Runs every evaluator on one output; an evaluator that throws counts as failed, never breaks ingestion. */
export function evaluateOutput(evaluators: Evaluator[], output: OutputText): { name: string; passed: boolean; comment: string | null }[] {
  return evaluators.map((e) => {
    try {
      return { name: e.name, ...e.evaluate(output) };
    } catch (error) {
      return { name: e.name, passed: false, comment: `Evaluator error: ${error instanceof Error ? error.message : String(error)}` };
    }
  });
}
