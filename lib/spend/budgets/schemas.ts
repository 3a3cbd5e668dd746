/**
 * Validation of budgets: the API's `{ scope, team?, agent?, monthlyLimitUsd,
 * thresholds, hardCap }` (POST /api/v1/budgets, PATCH /api/v1/budgets/{id}),
 * the console's budget form, reservations and checks, and a budget's state
 * as change control stores it (`Change.before` / `after`).
 */
import { z } from "zod";

export const BUDGET_SCOPES = ["organisation", "team", "agent"] as const;
export type BudgetScopeName = (typeof BUDGET_SCOPES)[number];

export const DEFAULT_THRESHOLDS = [50, 80, 100] as const;
export const MAX_LIMIT_USD = 1_000_000_000;
export const MAX_TTL_SECONDS = 3600;
export const DEFAULT_TTL_SECONDS = 300;
export const MAX_ESTIMATE_USD = 1_000_000;

const cents = (value: number) => Math.abs(Math.round(value * 100) - value * 100) < 1e-6;

export const monthlyLimitSchema = z
  .number({ message: "monthlyLimitUsd is an amount in USD." })
  .finite("monthlyLimitUsd is an amount in USD.")
  .min(0, "monthlyLimitUsd is 0 or more.")
  .max(MAX_LIMIT_USD, `monthlyLimitUsd is at most ${MAX_LIMIT_USD.toLocaleString("en-US")}.`)
  .refine(cents, "monthlyLimitUsd has at most 2 decimals (cents).");

export const thresholdsSchema = z
  .array(
    z
      .number({ message: "A threshold is a percentage of the limit." })
      .int("A threshold is a whole percentage.")
      .min(1, "A threshold is between 1 and 1000 (% of the limit).")
      .max(1000, "A threshold is between 1 and 1000 (% of the limit)."),
    { message: "thresholds is a list of percentages, e.g. [50, 80, 100]." },
  )
  .max(10, "At most 10 thresholds.")
  .refine((t) => new Set(t).size === t.length, "Each threshold once.")
  .transform((t) => [...t].sort((a, b) => a - b));

const nameSchema = (what: string) =>
  z
    .string({ message: `${what} is a name.` })
    .trim()
    .min(1, `Name the ${what}.`)
    .max(200, `A ${what} name has at most 200 characters.`);

export const reasonSchema = z.string({ message: "reason is text." }).trim().min(1, "Say why.").max(1000, "At most 1000 characters.");

/** The state change control stores: what a budget limits. Money as a string with 2 decimals (exact). */
export const budgetStateSchema = z
  .object({
    monthlyLimitUsd: z.string().regex(/^\d+\.\d{2}$/),
    thresholds: z.array(z.number().int()),
    hardCap: z.boolean(),
  })
  .strict();
export type BudgetState = z.output<typeof budgetStateSchema>;

export const budgetCreateBodySchema = z
  .object({
    scope: z.enum(BUDGET_SCOPES, { message: 'scope is "organisation", "team" or "agent".' }),
    team: nameSchema("team").optional(),
    agent: nameSchema("agent").optional(),
    monthlyLimitUsd: monthlyLimitSchema,
    thresholds: thresholdsSchema.optional(),
    hardCap: z.boolean({ message: "hardCap is true or false." }).optional(),
    reason: reasonSchema.optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.scope === "team" && !b.team) ctx.addIssue({ code: "custom", path: ["team"], message: "A team budget names its team." });
    if (b.scope === "agent" && !b.agent) ctx.addIssue({ code: "custom", path: ["agent"], message: "An agent budget names its agent." });
    if (b.scope !== "team" && b.team !== undefined) ctx.addIssue({ code: "custom", path: ["team"], message: `A ${b.scope} budget has no team.` });
    if (b.scope !== "agent" && b.agent !== undefined) ctx.addIssue({ code: "custom", path: ["agent"], message: `A ${b.scope} budget has no agent.` });
  });
export type BudgetCreateBody = z.output<typeof budgetCreateBodySchema>;

export const budgetPatchBodySchema = z
  .object({
    monthlyLimitUsd: monthlyLimitSchema.optional(),
    thresholds: thresholdsSchema.optional(),
    hardCap: z.boolean({ message: "hardCap is true or false." }).optional(),
    reason: reasonSchema.optional(),
  })
  .strict()
  .refine((b) => b.monthlyLimitUsd !== undefined || b.thresholds !== undefined || b.hardCap !== undefined, {
    message: "Give monthlyLimitUsd, thresholds or hardCap to change.",
  });
export type BudgetPatchBody = z.output<typeof budgetPatchBodySchema>;

export const budgetIdSchema = z.string().regex(/^[a-z0-9]{20,40}$/, "Malformed budget id.");

/** What a budget applies to: `organisation`, `team:<name>`, `agent:<name>` (change control's target id). */
export type BudgetTarget = { scope: "organisation" } | { scope: "team"; team: string } | { scope: "agent"; agent: string };

export function targetKey(target: BudgetTarget): string {
  return target.scope === "organisation" ? "organisation" : target.scope === "team" ? `team:${target.team}` : `agent:${target.agent}`;
}

export function parseTargetKey(key: string): BudgetTarget | null {
  if (key === "organisation") return { scope: "organisation" };
  const at = key.indexOf(":");
  if (at <= 0 || at === key.length - 1) return null;
  const [scope, name] = [key.slice(0, at), key.slice(at + 1)];
  if (scope === "team") return { scope, team: name };
  if (scope === "agent") return { scope, agent: name };
  return null;
}

export function describeTarget(target: BudgetTarget): string {
  return target.scope === "organisation" ? "Organisation budget" : target.scope === "team" ? `Team ${target.team} budget` : `Agent ${target.agent} budget`;
}

export const toLimitString = (usd: number) => (Math.round(usd * 100) / 100).toFixed(2);

/**
 * Whether moving a budget from `before` to `after` needs a second person: a
 * higher limit, a removed hard cap, or removing the budget. Lowering the limit,
 * adding a cap, a new budget and new thresholds apply at once (they only
 * restrict spending or change who hears about it).
 */
export function needsApproval(before: BudgetState | null, after: BudgetState | null): boolean {
  if (before === null) return false;
  if (after === null) return true;
  if (Number(after.monthlyLimitUsd) > Number(before.monthlyLimitUsd)) return true;
  return before.hardCap && !after.hardCap;
}

const estimateSchema = z
  .string()
  .transform(Number)
  .pipe(z.number({ message: "estimatedCostUsd is an amount in USD." })
  .finite("estimatedCostUsd is an amount in USD.")
  .min(0, "estimatedCostUsd is 0 or more.")
  .max(MAX_ESTIMATE_USD, `estimatedCostUsd is at most ${MAX_ESTIMATE_USD.toLocaleString("en-US")}.`));

const traceIdSchema = z.string({ message: "traceId is 32 hex characters." }).regex(/^[0-9a-f]{32}$/i, "traceId is 32 hex characters.").transform((t) => t.toLowerCase());

export const reservationBodySchema = z
  .object({
    agent: nameSchema("agent"),
    estimatedCostUsd: z
      .number({ message: "estimatedCostUsd is an amount in USD." })
      .finite("estimatedCostUsd is an amount in USD.")
      .min(0, "estimatedCostUsd is 0 or more.")
      .max(MAX_ESTIMATE_USD, `estimatedCostUsd is at most ${MAX_ESTIMATE_USD.toLocaleString("en-US")}.`),
    traceId: traceIdSchema.optional(),
    ttlSeconds: z
      .number({ message: "ttlSeconds is a number of seconds." })
      .int("ttlSeconds is a whole number of seconds.")
      .min(1, "ttlSeconds is 1 or more.")
      .max(MAX_TTL_SECONDS, `ttlSeconds is at most ${MAX_TTL_SECONDS}.`)
      .optional(),
  })
  .strict();
export type ReservationBody = z.output<typeof reservationBodySchema>;

/** A reservation's optional `Idempotency-Key` header: a retry with the same key gets the same reservation back. */
export const idempotencyKeySchema = z
  .string()
  .regex(/^[\x21-\x7e]{1,200}$/, "Idempotency-Key is 1 to 200 visible ASCII characters (a UUID, say).");

export const checkQuerySchema = z
  .object({
    agent: nameSchema("agent"),
    estimatedCostUsd: z
      .string({ message: "estimatedCostUsd is an amount in USD." })
      .regex(/^\d+(\.\d+)?$/, "estimatedCostUsd is a non-negative number, e.g. 0.25.")
      .pipe(estimateSchema)
      .optional(),
  })
  .strict();
export type CheckQuery = z.output<typeof checkQuerySchema>;

/** "50, 80, 100" (or "50 80 100"; empty: no alerts) as the list of thresholds. */
const thresholdsTextSchema = z
  .string()
  .max(200, "At most 10 thresholds.")
  .transform((text, ctx) => {
    const parts = text.split(/[\s,;%]+/).filter(Boolean);
    const numbers = parts.map(Number);
    if (numbers.some((n) => !Number.isFinite(n))) {
      ctx.addIssue({ code: "custom", message: "List whole percentages, e.g. 50, 80, 100." });
      return z.NEVER;
    }
    return numbers;
  })
  .pipe(thresholdsSchema);

const limitTextSchema = z
  .string()
  .trim()
  .min(1, "Enter the monthly limit in USD.")
  .regex(/^\$?\s*[\d,]*\.?\d*$/, "Enter an amount in USD, e.g. 500 or 1,250.50.")
  .transform((text) => Number(text.replace(/[$,\s]/g, "")))
  .pipe(monthlyLimitSchema);

/** The console's budget form (strings from FormData): new budget, or changes to one. */
export const budgetFormSchema = z
  .object({
    budgetId: z.string().max(40).optional(),
    scope: z.enum(BUDGET_SCOPES, { message: "Choose what the budget applies to." }),
    team: z.string().trim().max(200).optional(),
    agent: z.string().trim().max(200).optional(),
    monthlyLimitUsd: limitTextSchema,
    thresholds: thresholdsTextSchema,
    hardCap: z.boolean(),
    reason: reasonSchema,
  })
  .superRefine((b, ctx) => {
    if (b.scope === "team" && !b.team) ctx.addIssue({ code: "custom", path: ["team"], message: "Choose the team." });
    if (b.scope === "agent" && !b.agent) ctx.addIssue({ code: "custom", path: ["agent"], message: "Choose the agent." });
  });
export type BudgetForm = z.output<typeof budgetFormSchema>;

export function budgetFormInput(formData: FormData): unknown {
  const text = (key: string) => {
    const value = formData.get(key);
    return typeof value === "string" ? value : undefined;
  };
  return {
    budgetId: text("budgetId") || undefined,
    scope: text("scope"),
    team: text("team") || undefined,
    agent: text("agent") || undefined,
    monthlyLimitUsd: text("monthlyLimitUsd") ?? "",
    thresholds: text("thresholds") ?? "",
    hardCap: formData.get("hardCap") === "on",
    reason: text("reason") ?? "",
  };
}

export function targetOfForm(form: Pick<BudgetForm, "scope" | "team" | "agent">): BudgetTarget {
  return form.scope === "organisation" ? { scope: "organisation" } : form.scope === "team" ? { scope: "team", team: form.team! } : { scope: "agent", agent: form.agent! };
}
