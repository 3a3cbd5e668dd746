/**
 * Validation of escalation policies: a policy's state as change control stores
 * it (`Change.before` / `after`, `PolicyVersion.state`), the API's body
 * (POST /api/v1/policies, PATCH /api/v1/policies/{id}, field names as in the
 * HTTP contract) and the console's policy form. Safe to import from client
 * components (no server code).
 */
import { z } from "zod";

export const TIMEOUT_ACTIONS = ["reject", "approve", "keep_open"] as const;
export type TimeoutActionName = (typeof TIMEOUT_ACTIONS)[number];
export const TIMEOUT_ACTION_LABELS: Record<TimeoutActionName, string> = {
  reject: "Reject (fail closed): the agent must not act",
  approve: "Approve the requested arguments",
  keep_open: "Stay open and flag it overdue; the agent keeps waiting",
};

/** Roles that may decide escalations (they hold `escalations:decide`). */
export const DECIDER_ROLES = ["compliance", "admin"] as const;
export type DeciderRoleName = (typeof DECIDER_ROLES)[number];

export const CHAIN_ROLES = ["compliance", "admin", "ops_lead"] as const;

export const MAX_MINUTES = 60 * 24 * 30;
export const MAX_CHAIN_STEPS = 5;
export const MAX_THRESHOLD = 1e14;
export const DEFAULTS = { requiredApprovals: 1, deciderRole: "compliance", slaMinutes: 60, deadlineMinutes: 240, warnBeforeMinutes: 15, timeoutAction: "reject" } as const;

/** Tool names as agent configurations write them; `*` matches any characters. */
export const toolPatternSchema = z
  .string({ message: "toolPattern is a tool name or a glob such as erp.pay*." })
  .trim()
  .min(1, "toolPattern cannot be empty (leave it out to match every tool).")
  .max(200, "toolPattern has at most 200 characters.")
  .regex(/^[A-Za-z0-9_.:*\/-]+$/, "toolPattern is letters, digits and _ . : / - (a * matches any characters).");

/** `amount`, or a dotted path into the arguments such as `payment.amount` or `lines.0.total`. */
export const argumentPathSchema = z
  .string({ message: "argument names a numeric argument, e.g. amount." })
  .trim()
  .min(1, "Name the argument.")
  .max(200, "argument has at most 200 characters.")
  .regex(/^[A-Za-z_][A-Za-z0-9_]*(\.([A-Za-z_][A-Za-z0-9_]*|\d+))*$/, "argument is a name or a dotted path (payment.amount, lines.0.total).");

const minutes = (field: string, min: number) =>
  z
    .number({ message: `${field} is a number of minutes.` })
    .int(`${field} is whole minutes.`)
    .min(min, `${field} is at least ${min}.`)
    .max(MAX_MINUTES, `${field} is at most ${MAX_MINUTES} (30 days).`);

const nameOf = (what: string) =>
  z
    .string({ message: `${what} is a name.` })
    .trim()
    .min(1, `Name the ${what}.`)
    .max(200, `A ${what} name has at most 200 characters.`);

export const policyNameSchema = z
  .string({ message: "name is text." })
  .trim()
  .min(1, "Name the policy.")
  .max(100, "A policy name has at most 100 characters.")
  .regex(/^[\p{L}\p{N}][\p{L}\p{N} .,_:()/-]*$/u, "A policy name is letters, digits, spaces and . , _ : ( ) / -.");

const email = z.string().trim().toLowerCase().email("notifyUsers are e-mail addresses.").max(320);

export const chainStepSchema = z
  .object({
    afterMinutes: minutes("afterMinutes", 1),
    notifyRole: z.enum(CHAIN_ROLES, { message: 'notifyRole is "compliance", "admin" or "ops_lead".' }).nullable().default(null),
    notifyUsers: z.array(email).max(20, "At most 20 people per step.").default([]),
  })
  .strict()
  .refine((s) => s.notifyRole !== null || s.notifyUsers.length > 0, "A chain step notifies a role or named people.");
export type ChainStep = z.output<typeof chainStepSchema>;

export const chainSchema = z
  .array(chainStepSchema, { message: "escalationChain is a list of { afterMinutes, notifyRole, notifyUsers }." })
  .max(MAX_CHAIN_STEPS, `At most ${MAX_CHAIN_STEPS} chain steps.`)
  .transform((steps) => [...steps].sort((a, b) => a.afterMinutes - b.afterMinutes))
  .refine((steps) => new Set(steps.map((s) => s.afterMinutes)).size === steps.length, "Each chain step at its own minute.");

const threshold = z
  .number({ message: "threshold is a number." })
  .finite("threshold is a number.")
  .min(-MAX_THRESHOLD, "threshold is too small.")
  .max(MAX_THRESHOLD, "threshold is too large.")
  .transform((n) => Math.round(n * 1e6) / 1e6);

/**
 * What a policy says, as change control stores it. `agent` and `team` are
 * names (at most one); a policy with no trigger (argument, minConfidence,
 * onLoop, onBudgetExceeded, maxAutonomyLevel) catches every call in its scope.
 */
export const policyStateSchema = z
  .object({
    agent: nameOf("agent").nullable(),
    team: nameOf("team").nullable(),
    toolPattern: toolPatternSchema.nullable(),
    argument: argumentPathSchema.nullable(),
    threshold: threshold.nullable(),
    minConfidence: z.number({ message: "minConfidence is a number from 0 to 1." }).min(0, "minConfidence is 0 to 1.").max(1, "minConfidence is 0 to 1.").nullable(),
    onLoop: z.boolean({ message: "onLoop is true or false." }),
    onBudgetExceeded: z.boolean({ message: "onBudgetExceeded is true or false." }),
    maxAutonomyLevel: z.number({ message: "maxAutonomyLevel is 0 to 3." }).int("maxAutonomyLevel is 0 to 3.").min(0, "maxAutonomyLevel is 0 to 3.").max(3, "maxAutonomyLevel is 0 to 3.").nullable(),
    requiredApprovals: z.union([z.literal(1), z.literal(2)], { message: "requiredApprovals is 1 or 2." }),
    deciderRole: z.enum(DECIDER_ROLES, { message: 'deciderRole is "compliance" or "admin".' }),
    slaMinutes: minutes("slaMinutes", 1),
    deadlineMinutes: minutes("deadlineMinutes", 1),
    warnBeforeMinutes: minutes("warnBeforeMinutes", 0),
    timeoutAction: z.enum(TIMEOUT_ACTIONS, { message: 'timeoutAction is "reject", "approve" or "keep_open".' }),
    escalationChain: chainSchema,
    runbook: z.string({ message: "runbook is text." }).trim().max(4000, "runbook has at most 4000 characters.").nullable(),
    enabled: z.boolean({ message: "enabled is true or false." }),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.agent !== null && p.team !== null) ctx.addIssue({ code: "custom", path: ["team"], message: "A policy applies to one agent or one team, not both." });
    if ((p.argument === null) !== (p.threshold === null)) {
      ctx.addIssue({ code: "custom", path: [p.argument === null ? "argument" : "threshold"], message: "argument and threshold go together (e.g. amount above 10000)." });
    }
    if (p.deadlineMinutes < p.slaMinutes) ctx.addIssue({ code: "custom", path: ["deadlineMinutes"], message: "The deadline comes at or after the SLA." });
    if (p.warnBeforeMinutes >= p.deadlineMinutes) ctx.addIssue({ code: "custom", path: ["warnBeforeMinutes"], message: "The warning comes before the deadline." });
    const late = p.escalationChain.find((s) => s.afterMinutes >= p.deadlineMinutes);
    if (late) ctx.addIssue({ code: "custom", path: ["escalationChain"], message: `A chain step at ${late.afterMinutes} min would come after the deadline (${p.deadlineMinutes} min).` });
  });
export type PolicyState = z.output<typeof policyStateSchema>;

/** The triggers a policy sets (none: it catches every call in its scope). */
export function triggersOf(p: Pick<PolicyState, "argument" | "minConfidence" | "onLoop" | "onBudgetExceeded" | "maxAutonomyLevel">): string[] {
  const out: string[] = [];
  if (p.argument !== null) out.push("argument");
  if (p.minConfidence !== null) out.push("minConfidence");
  if (p.onLoop) out.push("onLoop");
  if (p.onBudgetExceeded) out.push("onBudgetExceeded");
  if (p.maxAutonomyLevel !== null) out.push("maxAutonomyLevel");
  return out;
}

/** POST /api/v1/policies: the contract's fields; what is left out takes its default. */
export const policyCreateBodySchema = z
  .object({
    name: policyNameSchema,
    agent: nameOf("agent").nullable().optional(),
    team: nameOf("team").nullable().optional(),
    toolPattern: toolPatternSchema.nullable().optional(),
    argument: argumentPathSchema.nullable().optional(),
    threshold: z.number({ message: "threshold is a number." }).nullable().optional(),
    minConfidence: z.number({ message: "minConfidence is a number from 0 to 1." }).nullable().optional(),
    onLoop: z.boolean({ message: "onLoop is true or false." }).optional(),
    onBudgetExceeded: z.boolean({ message: "onBudgetExceeded is true or false." }).optional(),
    maxAutonomyLevel: z.number({ message: "maxAutonomyLevel is 0 to 3." }).nullable().optional(),
    requiredApprovals: z.number({ message: "requiredApprovals is 1 or 2." }).optional(),
    deciderRole: z.string({ message: 'deciderRole is "compliance" or "admin".' }).toLowerCase().optional(),
    slaMinutes: z.number({ message: "slaMinutes is a number of minutes." }).optional(),
    deadlineMinutes: z.number({ message: "deadlineMinutes is a number of minutes." }).optional(),
    warnBeforeMinutes: z.number({ message: "warnBeforeMinutes is a number of minutes." }).optional(),
    timeoutAction: z.string({ message: 'timeoutAction is "reject", "approve" or "keep_open".' }).toLowerCase().optional(),
    escalationChain: z.array(z.unknown(), { message: "escalationChain is a list." }).max(50).optional(),
    runbook: z.string({ message: "runbook is text." }).max(10_000).nullable().optional(),
    enabled: z.boolean({ message: "enabled is true or false." }).optional(),
    reason: z.string({ message: "reason is text." }).trim().min(1, "Say why.").max(1000, "At most 1000 characters.").optional(),
  })
  .strict();
export type PolicyCreateBody = z.output<typeof policyCreateBodySchema>;

/** PATCH /api/v1/policies/{id}: any field but the name. */
export const policyPatchBodySchema = policyCreateBodySchema.omit({ name: true });
export type PolicyPatchBody = z.output<typeof policyPatchBodySchema>;

export const DEFAULT_STATE: PolicyState = {
  agent: null,
  team: null,
  toolPattern: null,
  argument: null,
  threshold: null,
  minConfidence: null,
  onLoop: false,
  onBudgetExceeded: false,
  maxAutonomyLevel: null,
  requiredApprovals: 1,
  deciderRole: "compliance",
  slaMinutes: DEFAULTS.slaMinutes,
  deadlineMinutes: DEFAULTS.deadlineMinutes,
  warnBeforeMinutes: DEFAULTS.warnBeforeMinutes,
  timeoutAction: "reject",
  escalationChain: [],
  runbook: null,
  enabled: true,
};

/** A body's fields laid over a state (the defaults for a new policy, the current one for a PATCH), then validated as a whole. */
export function mergeBody(base: PolicyState, body: PolicyPatchBody): z.ZodSafeParseResult<PolicyState> {
  const { reason: _reason, ...fields } = body;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) merged[key] = value;
  if (typeof merged.runbook === "string" && merged.runbook.trim() === "") merged.runbook = null;
  return policyStateSchema.safeParse(merged);
}

/** The policy form's fields (strings from FormData) as a state, or field errors. */
export const policyFormSchema = z
  .object({
    policyId: z.string().max(64),
    name: z.string().max(200),
    scope: z.enum(["all", "agent", "team"], { message: "Choose what the policy applies to." }),
    agent: z.string().max(200),
    team: z.string().max(200),
    toolPattern: z.string().max(400),
    argument: z.string().max(400),
    threshold: z.string().max(40),
    minConfidence: z.string().max(20),
    onLoop: z.boolean(),
    onBudgetExceeded: z.boolean(),
    maxAutonomyLevel: z.string().max(4),
    requiredApprovals: z.string().max(4),
    deciderRole: z.string().max(40),
    slaMinutes: z.string().max(10),
    deadlineMinutes: z.string().max(10),
    warnBeforeMinutes: z.string().max(10),
    timeoutAction: z.string().max(40),
    escalationChain: z.string().max(10_000),
    runbook: z.string().max(10_000),
    enabled: z.boolean(),
    reason: z.string().max(2000),
  })
  .transform((f, ctx) => {
    const num = (value: string, path: string): number | null => {
      const text = value.trim().replace(/[,_\s]/g, "");
      if (text === "") return null;
      const n = Number(text);
      if (!Number.isFinite(n)) {
        ctx.addIssue({ code: "custom", path: [path], message: "Enter a number." });
        return null;
      }
      return n;
    };
    let chain: unknown = [];
    if (f.escalationChain.trim() !== "") {
      try {
        chain = JSON.parse(f.escalationChain);
      } catch {
        ctx.addIssue({ code: "custom", path: ["escalationChain"], message: 'The chain is JSON, e.g. [{ "afterMinutes": 30, "notifyRole": "admin" }].' });
      }
    }
    return {
      policyId: f.policyId.trim() || null,
      name: f.name,
      reason: f.reason.trim(),
      state: {
        agent: f.scope === "agent" ? f.agent.trim() || "" : null,
        team: f.scope === "team" ? f.team.trim() || "" : null,
        toolPattern: f.toolPattern.trim() || null,
        argument: f.argument.trim() || null,
        threshold: num(f.threshold, "threshold"),
        minConfidence: num(f.minConfidence, "minConfidence"),
        onLoop: f.onLoop,
        onBudgetExceeded: f.onBudgetExceeded,
        maxAutonomyLevel: num(f.maxAutonomyLevel, "maxAutonomyLevel"),
        requiredApprovals: num(f.requiredApprovals, "requiredApprovals") ?? 1,
        deciderRole: f.deciderRole || "compliance",
        slaMinutes: num(f.slaMinutes, "slaMinutes") ?? Number.NaN,
        deadlineMinutes: num(f.deadlineMinutes, "deadlineMinutes") ?? Number.NaN,
        warnBeforeMinutes: num(f.warnBeforeMinutes, "warnBeforeMinutes") ?? 0,
        timeoutAction: f.timeoutAction || "reject",
        escalationChain: chain,
        runbook: f.runbook.trim() || null,
        enabled: f.enabled,
      },
    };
  })
  .pipe(
    z.object({
      policyId: z.string().nullable(),
      name: policyNameSchema,
      reason: z.string().max(1000, "At most 1000 characters."),
      state: policyStateSchema,
    }),
  );
export type PolicyForm = z.output<typeof policyFormSchema>;

/** FormData → the form schema's input (checkboxes are present or absent). */
export function policyFormInput(formData: FormData): Record<string, unknown> {
  const text = (key: string) => String(formData.get(key) ?? "");
  return {
    policyId: text("policyId"),
    name: text("name"),
    scope: text("scope") || "all",
    agent: text("agent"),
    team: text("team"),
    toolPattern: text("toolPattern"),
    argument: text("argument"),
    threshold: text("threshold"),
    minConfidence: text("minConfidence"),
    onLoop: formData.get("onLoop") === "on",
    onBudgetExceeded: formData.get("onBudgetExceeded") === "on",
    maxAutonomyLevel: text("maxAutonomyLevel"),
    requiredApprovals: text("requiredApprovals"),
    deciderRole: text("deciderRole"),
    slaMinutes: text("slaMinutes"),
    deadlineMinutes: text("deadlineMinutes"),
    warnBeforeMinutes: text("warnBeforeMinutes"),
    timeoutAction: text("timeoutAction"),
    escalationChain: text("escalationChain"),
    runbook: text("runbook"),
    enabled: formData.get("enabled") === "on",
    reason: text("reason"),
  };
}

export const policyIdSchema = z.string().regex(/^c[a-z0-9]{20,31}$/);
