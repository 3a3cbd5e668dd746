/**
 * Validation of circuit breakers, declared once: each condition's parameters
 * (what `Breaker.params` holds), a breaker's settings as the commands take
 * them, the HTTP API's bodies (lower-case enum values, as the status API) and
 * the console's form. Safe to import from client components (no server code).
 */
import { z } from "zod";
import { BreakerCondition, BreakerMode } from "@/lib/generated/prisma/enums";

export const BREAKER_CONDITIONS = Object.values(BreakerCondition) as [BreakerCondition, ...BreakerCondition[]];
export const BREAKER_MODES = Object.values(BreakerMode) as [BreakerMode, ...BreakerMode[]];
export type BreakerConditionName = BreakerCondition;
export type BreakerModeName = BreakerMode;
export type BreakerStateName = "CLOSED" | "OPEN" | "HALF_OPEN";

export const CONDITION_LABELS: Record<BreakerConditionName, string> = {
  TOOL_ERROR_RATE: "Tool error rate",
  LOOPS: "Looping runs",
  SPEND_HOUR: "Spend in the last hour",
  ESCALATIONS_REJECTED: "Escalations rejected in a row",
  RUN_DURATION: "Run duration",
};

export const MODE_LABELS: Record<BreakerModeName, string> = {
  OBSERVE: "Observe: record and notify that it would have tripped",
  ENFORCE: "Enforce: trip the agent",
};

/** A bound on the hook's work per agent: every enabled breaker is evaluated on each batch of its agent. */
export const MAX_BREAKERS_PER_AGENT = 20;
export const MAX_COOL_DOWN_MINUTES = 7 * 24 * 60;
export const MAX_WINDOW_CALLS = 1000;
export const MAX_WINDOW_MINUTES = 7 * 24 * 60;
export const MAX_RUN_MINUTES = 7 * 24 * 60;
export const BREAKER_NAME_MAX = 100;
export const DEFAULT_COOL_DOWN_MINUTES = 15;

const integer = (field: string, min: number, max: number) =>
  z
    .number({ message: `${field} is a number.` })
    .int(`${field} is a whole number.`)
    .min(min, `${field} is at least ${min}.`)
    .max(max, `${field} is at most ${max}.`);

export const toolErrorRateParamsSchema = z
  .object({
    thresholdPct: z
      .number({ message: "thresholdPct is a percentage." })
      .gt(0, "thresholdPct is above 0 %.")
      .max(100, "thresholdPct is at most 100 %.")
      .refine((n) => Number.isFinite(n), "thresholdPct is a finite number."),
    window: integer("window", 1, MAX_WINDOW_CALLS),
    minSample: integer("minSample", 1, MAX_WINDOW_CALLS),
  })
  .strict()
  .refine((p) => p.minSample <= p.window, { path: ["minSample"], message: "minSample cannot exceed the window (the last N calls)." });

export const loopsParamsSchema = z.object({ runs: integer("runs", 1, 1000), windowMinutes: integer("windowMinutes", 1, MAX_WINDOW_MINUTES) }).strict();

export const spendHourParamsSchema = z
  .object({
    limitUsd: z
      .number({ message: "limitUsd is an amount in USD." })
      .positive("limitUsd is above 0.")
      .max(1e9, "limitUsd is at most 1,000,000,000.")
      .refine((n) => Number.isFinite(n), "limitUsd is a finite number."),
  })
  .strict();

export const escalationsRejectedParamsSchema = z.object({ count: integer("count", 1, 100) }).strict();

export const runDurationParamsSchema = z.object({ maxMinutes: integer("maxMinutes", 1, MAX_RUN_MINUTES) }).strict();

export const PARAMS_SCHEMAS = {
  TOOL_ERROR_RATE: toolErrorRateParamsSchema,
  LOOPS: loopsParamsSchema,
  SPEND_HOUR: spendHourParamsSchema,
  ESCALATIONS_REJECTED: escalationsRejectedParamsSchema,
  RUN_DURATION: runDurationParamsSchema,
} as const satisfies Record<BreakerConditionName, z.ZodType>;

export type ToolErrorRateParams = z.output<typeof toolErrorRateParamsSchema>;
export type LoopsParams = z.output<typeof loopsParamsSchema>;
export type SpendHourParams = z.output<typeof spendHourParamsSchema>;
export type EscalationsRejectedParams = z.output<typeof escalationsRejectedParamsSchema>;
export type RunDurationParams = z.output<typeof runDurationParamsSchema>;

export interface ParamsOf {
  TOOL_ERROR_RATE: ToolErrorRateParams;
  LOOPS: LoopsParams;
  SPEND_HOUR: SpendHourParams;
  ESCALATIONS_REJECTED: EscalationsRejectedParams;
  RUN_DURATION: RunDurationParams;
}

/** A condition with its parameters, typed together. */
export type BreakerRule = { [C in BreakerConditionName]: { condition: C; params: ParamsOf[C] } }[BreakerConditionName];

/** The parameter field names of each condition, in form order (the form and the API use the same names). */
export const PARAM_FIELDS: Record<BreakerConditionName, readonly string[]> = {
  TOOL_ERROR_RATE: ["thresholdPct", "window", "minSample"],
  LOOPS: ["runs", "windowMinutes"],
  SPEND_HOUR: ["limitUsd"],
  ESCALATIONS_REJECTED: ["count"],
  RUN_DURATION: ["maxMinutes"],
};

export const DEFAULT_PARAMS: { [C in BreakerConditionName]: ParamsOf[C] } = {
  TOOL_ERROR_RATE: { thresholdPct: 50, window: 20, minSample: 10 },
  LOOPS: { runs: 3, windowMinutes: 30 },
  SPEND_HOUR: { limitUsd: 10 },
  ESCALATIONS_REJECTED: { count: 3 },
  RUN_DURATION: { maxMinutes: 30 },
};

/** The stored params of a breaker as a rule, or null when they do not fit its condition (a row written by hand). */
export function ruleOf(condition: string, params: unknown): BreakerRule | null {
  const schema = PARAMS_SCHEMAS[condition as BreakerConditionName];
  if (!schema) return null;
  const parsed = schema.safeParse(params);
  return parsed.success ? ({ condition, params: parsed.data } as BreakerRule) : null;
}

export const breakerNameSchema = z
  .string({ message: "name is text." })
  .trim()
  .min(1, "Name the breaker.")
  .max(BREAKER_NAME_MAX, `A breaker name has at most ${BREAKER_NAME_MAX} characters.`)
  .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), "A breaker name cannot contain control characters.");

const coolDownSchema = integer("coolDownMinutes", 0, MAX_COOL_DOWN_MINUTES);

/** Adds each params issue under `params.<field>`, checked against the condition's own schema. */
function checkParams(value: { condition: BreakerConditionName; params: unknown }, ctx: z.RefinementCtx): void {
  const schema = PARAMS_SCHEMAS[value.condition] as z.ZodType | undefined;
  if (!schema) return; // the condition's own issue says it
  const parsed = schema.safeParse(value.params);
  if (parsed.success) return;
  for (const issue of parsed.error.issues) ctx.addIssue({ code: "custom", path: ["params", ...issue.path.map(String)], message: issue.message });
}

/** A breaker's settings as the commands take them (and re-check: a command is a trust boundary). */
const settingsShape = {
  name: breakerNameSchema,
  condition: z.enum(BREAKER_CONDITIONS, { message: `condition is one of ${BREAKER_CONDITIONS.join(", ")}.` }),
  params: z.unknown(),
  mode: z.enum(BREAKER_MODES, { message: "mode is OBSERVE or ENFORCE." }),
  enabled: z.boolean({ message: "enabled is true or false." }),
  coolDownMinutes: coolDownSchema,
  halfOpen: z.boolean({ message: "halfOpen is true or false." }),
};

export const breakerSettingsSchema = z.object(settingsShape).strict().superRefine(checkParams);

/** Some of the settings (an update): checked again as a whole once merged with the breaker's others. */
export const breakerChangesSchema = z.object(settingsShape).partial().strict();

export type BreakerSettings = Omit<z.output<typeof breakerSettingsSchema>, "params" | "condition"> & BreakerRule;

/** Parsed settings with their params typed by condition. */
export function parseSettings(input: unknown): { success: true; data: BreakerSettings } | { success: false; error: z.ZodError } {
  const parsed = breakerSettingsSchema.safeParse(input);
  if (!parsed.success) return parsed;
  const rule = ruleOf(parsed.data.condition, parsed.data.params)!;
  return { success: true, data: { ...parsed.data, ...rule } };
}

// ───────────── HTTP API (lower-case enum values) ─────────────

export const API_CONDITIONS = ["tool_error_rate", "loops", "spend_hour", "escalations_rejected", "run_duration"] as const;
export type ApiCondition = (typeof API_CONDITIONS)[number];
export const toApiCondition = (c: BreakerConditionName) => c.toLowerCase() as ApiCondition;
export const fromApiCondition = (c: ApiCondition) => c.toUpperCase() as BreakerConditionName;

const apiCommon = {
  name: breakerNameSchema,
  mode: z.enum(["observe", "enforce"], { message: 'mode is "observe" or "enforce".' }).optional(),
  enabled: z.boolean({ message: "enabled is true or false." }).optional(),
  coolDownMinutes: coolDownSchema.optional(),
  halfOpen: z.boolean({ message: "halfOpen is true or false." }).optional(),
};

const apiCondition = z.enum(API_CONDITIONS, { message: `condition is one of ${API_CONDITIONS.join(", ")}.` });

/** `POST /api/v1/agents/{name}/breakers`. */
export const breakerCreateBodySchema = z
  .object({ ...apiCommon, condition: apiCondition, params: z.record(z.string(), z.unknown(), { message: "params is an object." }) })
  .strict()
  .superRefine((v, ctx) => checkParams({ condition: fromApiCondition(v.condition), params: v.params }, ctx));
export type BreakerCreateBody = z.output<typeof breakerCreateBodySchema>;

/** `PATCH /api/v1/agents/{name}/breakers/{id}`: any field; `params` alone is checked against the breaker's condition. */
export const breakerPatchBodySchema = z
  .object({
    name: apiCommon.name.optional(),
    mode: apiCommon.mode,
    enabled: apiCommon.enabled,
    coolDownMinutes: apiCommon.coolDownMinutes,
    halfOpen: apiCommon.halfOpen,
    condition: apiCondition.optional(),
    params: z.record(z.string(), z.unknown(), { message: "params is an object." }).optional(),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, "Send at least one field to change.")
  .refine((v) => v.condition === undefined || v.params !== undefined, { path: ["params"], message: "A new condition needs its params." });
export type BreakerPatchBody = z.output<typeof breakerPatchBodySchema>;

/** `POST /api/v1/agents/{name}/breakers/replay`: a saved breaker, or a draft (condition, params, cool-down). */
export const breakerReplayBodySchema = z.union([
  z.object({ breakerId: z.string({ message: "breakerId is a breaker's id." }).regex(/^c[a-z0-9]{20,31}$/, "breakerId is not a breaker id.") }).strict(),
  z
    .object({ condition: apiCondition, params: z.record(z.string(), z.unknown(), { message: "params is an object." }), coolDownMinutes: coolDownSchema.optional() })
    .strict()
    .superRefine((v, ctx) => checkParams({ condition: fromApiCondition(v.condition), params: v.params }, ctx)),
]);
export type BreakerReplayBody = z.output<typeof breakerReplayBodySchema>;

export const breakerIdSchema = z.string().regex(/^c[a-z0-9]{20,31}$/, "Not a breaker id.");

// ───────────── The console's form ─────────────

const text = (data: FormData, key: string) => {
  const value = data.get(key);
  return typeof value === "string" ? value : "";
};

/** A form number: blank or not a number stays a value zod refuses with the field's own message. */
const num = (raw: string): number | string => {
  const trimmed = raw.trim().replace(/,/g, "");
  if (trimmed === "") return "";
  const n = Number(trimmed);
  return Number.isFinite(n) ? n : raw;
};

/** The form's fields as the settings the commands take (plus the breaker's id when editing). */
export function breakerFormInput(data: FormData): { breakerId: string; agent: string; settings: Record<string, unknown> } {
  const condition = text(data, "condition");
  const fields = PARAM_FIELDS[condition as BreakerConditionName] ?? [];
  return {
    breakerId: text(data, "breakerId"),
    agent: text(data, "agent"),
    settings: {
      name: text(data, "name"),
      condition,
      params: Object.fromEntries(fields.map((f) => [f, num(text(data, f))])),
      mode: text(data, "mode"),
      enabled: data.get("enabled") === "on",
      coolDownMinutes: num(text(data, "coolDownMinutes")),
      halfOpen: data.get("halfOpen") === "on",
    },
  };
}
