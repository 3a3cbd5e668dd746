/** Validation of redaction settings and custom rules (Settings › Redaction). */
import { z } from "zod";
import { BUILTIN_KINDS } from "./detectors";
import { checkPatternStatically } from "./safety";

export const setRedactionEnabledSchema = z.object({ enabled: z.boolean() });

export const setBuiltinDetectorsSchema = z.object({
  enabled: z.array(z.enum(BUILTIN_KINDS)).max(BUILTIN_KINDS.length),
});

export const createCustomRuleSchema = z.object({
  ruleName: z
    .string()
    .trim()
    .min(2, "At least 2 characters.")
    .max(60, "At most 60 characters.")
    .regex(/^[A-Za-z0-9][A-Za-z0-9 _.-]*$/, "Letters, digits, spaces, . _ - (it names the marker, e.g. [REDACTED:EMPLOYEE_ID])."),
  rulePattern: z
    .string()
    .min(1, "Enter a regular expression.")
    .superRefine((pattern, ctx) => {
      const check = checkPatternStatically(pattern);
      if (!check.ok) ctx.addIssue({ code: "custom", message: check.reason });
    }),
});
export type CreateCustomRuleInput = z.infer<typeof createCustomRuleSchema>;

export const ruleIdSchema = z.object({ ruleId: z.string().min(1).max(64) });
export const toggleCustomRuleSchema = ruleIdSchema.extend({ enabled: z.boolean() });
