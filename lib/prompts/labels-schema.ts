/**
 * Validation of label moves: the body of POST /api/v1/prompts/{name}/labels
 * `{ label, version, canary?, reason? }`, the console's move form, and the
 * state of a label as change control stores it (`Change.before` / `after`).
 */
import { z } from "zod";

export const labelNameSchema = z
  .string({ message: "Enter the label." })
  .trim()
  .min(1, "Enter the label.")
  .max(50, "A label has at most 50 characters.")
  .regex(/^[a-z0-9][a-z0-9._-]*$/, "A label is lower-case letters, digits and . _ - (e.g. production).");

const versionNumber = (what: string) =>
  z
    .number({ message: `${what} is a version number.` })
    .int(`${what} is a whole number.`)
    .min(1, `${what} is 1 or more.`)
    .max(999_999_999, `${what} is too large.`);

export const canarySchema = z
  .object({
    version: versionNumber("canary.version"),
    weight: z
      .number({ message: "canary.weight is a percentage." })
      .int("canary.weight is a whole percentage.")
      .min(1, "canary.weight is between 1 and 99 (% of callers on the canary).")
      .max(99, "canary.weight is between 1 and 99 (% of callers on the canary)."),
  })
  .strict();
export type Canary = z.output<typeof canarySchema>;

/** Where a label points: a version, and optionally a canary version taking `weight` % of callers. */
export const labelStateSchema = z
  .object({ version: versionNumber("version"), canary: canarySchema.nullable() })
  .strict()
  .refine((s) => !s.canary || s.canary.version !== s.version, { message: "The canary must be another version than the label's.", path: ["canary", "version"] });
export type LabelState = z.output<typeof labelStateSchema>;

export const MAX_REASON_CHARS = 1000;

export const reasonSchema = z
  .string({ message: "Say why." })
  .trim()
  .min(1, "Say why.")
  .max(MAX_REASON_CHARS, `At most ${MAX_REASON_CHARS} characters.`);

/** The API body. `canary` absent or null: no split. `reason` optional through the API. */
export const labelMoveBodySchema = z
  .object({
    label: labelNameSchema,
    version: versionNumber("version"),
    canary: canarySchema.nullable().optional(),
    reason: reasonSchema.optional(),
  })
  .strict()
  .refine((b) => !b.canary || b.canary.version !== b.version, { message: "The canary must be another version than the label's.", path: ["canary", "version"] });
export type LabelMoveBody = z.output<typeof labelMoveBodySchema>;

/** The console form (strings): a plain move, or a canary split with its weight. */
export const labelMoveFormSchema = z
  .object({
    label: labelNameSchema,
    version: z.string().regex(/^[1-9]\d{0,8}$/, "Choose a version.").transform(Number),
    canaryVersion: z.string().optional(),
    canaryWeight: z.string().optional(),
    reason: reasonSchema,
  })
  .transform((f, ctx) => {
    let canary: Canary | null = null;
    if (f.canaryVersion && f.canaryVersion !== "") {
      const version = Number(f.canaryVersion);
      const weight = Number(f.canaryWeight ?? "");
      if (!Number.isInteger(version) || version < 1) ctx.addIssue({ code: "custom", path: ["canaryVersion"], message: "Choose the canary's version." });
      else if (version === f.version) ctx.addIssue({ code: "custom", path: ["canaryVersion"], message: "The canary must be another version than the label's." });
      if (!Number.isInteger(weight) || weight < 1 || weight > 99) ctx.addIssue({ code: "custom", path: ["canaryWeight"], message: "The canary's share is a whole percentage between 1 and 99." });
      canary = { version, weight };
    }
    return { label: f.label, version: f.version, canary, reason: f.reason };
  });

/** The JSON answer of a label move. */
export const labelMoveResultSchema = z.object({
  name: z.string(),
  label: z.string(),
  version: z.number().int(),
  canary: z.object({ version: z.number().int(), weight: z.number().int() }).nullable(),
  change: z.object({
    id: z.string(),
    status: z.enum(["applied", "pending"]).meta({ description: "`applied` (200): the label moved. `pending` (202): the label is protected; the change waits for a person's approval." }),
    title: z.string(),
    requiredApprovals: z.number().int(),
    url: z.string().meta({ description: "The change in the console." }),
  }),
});
export type LabelMoveResult = z.output<typeof labelMoveResultSchema>;

/** `GET /api/v1/prompts/{name}/labels?label=&limit=`: the labels now and their move history. */
export const labelHistoryQuerySchema = z.object({
  label: labelNameSchema.optional(),
  limit: z
    .string()
    .regex(/^[1-9]\d{0,3}$/, "limit is 1 to 1000.")
    .transform(Number)
    .refine((n) => n <= 1000, "limit is 1 to 1000.")
    .optional(),
});

const canaryJson = z.object({ version: z.number().int(), weight: z.number().int() }).nullable();

export const labelHistorySchema = z.object({
  name: z.string(),
  labels: z.array(z.object({ label: z.string(), version: z.number().int(), canary: canaryJson, protected: z.boolean() })),
  protectedLabels: z.array(z.string()).meta({ description: "Labels whose moves need an approved change, set or not." }),
  history: z
    .array(
      z.object({
        label: z.string(),
        version: z.number().int().nullable().meta({ description: "What the label served from `movedAt` until the next move of the same label (null: removed)." }),
        fromVersion: z.number().int().nullable(),
        canary: canaryJson,
        movedBy: z.string(),
        movedAt: z.iso.datetime(),
        changeId: z.string().meta({ description: "The change that moved it (a rollback is a change too)." }),
      }),
    )
    .meta({ description: "Newest first." }),
});
export type LabelHistoryJson = z.output<typeof labelHistorySchema>;
