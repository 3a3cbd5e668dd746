/**
 * Validation of an agent configuration version: what steers the agent (model,
 * the prompt and label it reads, the tools it may call, its authority limits,
 * its autonomy level). Shared by the console's "Propose configuration" form
 * and the applier's stored state.
 */
import { z } from "zod";
import { labelNameSchema, reasonSchema } from "@/lib/prompts/labels-schema";
import { promptNameSchema } from "@/lib/prompts/schemas";

export const MAX_TOOLS = 200;
export const AUTONOMY_LEVELS = [0, 1, 2, 3] as const;
export const AUTONOMY_LABELS: Record<(typeof AUTONOMY_LEVELS)[number], string> = {
  0: "0 — suggests only; every action needs clearance",
  1: "1 — acts within its authority limits",
  2: "2 — acts, escalates only what policies catch",
  3: "3 — fully autonomous",
};

const toolName = z
  .string()
  .trim()
  .min(1, "A tool name cannot be empty.")
  .max(200, "A tool name has at most 200 characters.")
  .regex(/^[A-Za-z0-9_.:*\/-]+$/, "Tool names are letters, digits and _ . : / - (a * matches any characters).");

const limitKey = z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, "Limit names are letters, digits and _ (e.g. maxAmountUsd).");

export const agentConfigSchema = z
  .object({
    model: z.string().trim().min(1).max(200).nullable(),
    promptName: promptNameSchema.nullable(),
    promptLabel: labelNameSchema.nullable(),
    allowedTools: z.array(toolName).max(MAX_TOOLS, `At most ${MAX_TOOLS} tools.`),
    authorityLimits: z
      .record(limitKey, z.number({ message: "A limit is a number." }).finite().min(0, "A limit is 0 or more."))
      .refine((r) => Object.keys(r).length <= 50, "At most 50 limits."),
    autonomyLevel: z.number().int().min(0, "Autonomy is 0 to 3.").max(3, "Autonomy is 0 to 3."),
  })
  .strict()
  .refine((c) => !c.promptLabel || c.promptName, { message: "Choose the prompt the label belongs to.", path: ["promptName"] });
export type AgentConfig = z.output<typeof agentConfigSchema>;

export const proposeAgentConfigSchema = z.object({ agent: z.string().min(1).max(200), config: agentConfigSchema, reason: reasonSchema });
export type ProposeAgentConfigInput = z.output<typeof proposeAgentConfigSchema>;

const lines = (text: string) =>
  text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);

/** The console form: strings; tools one per line (or comma separated), limits as a JSON object. */
export const agentConfigFormSchema = z
  .object({
    agent: z.string(),
    model: z.string(),
    promptName: z.string(),
    promptLabel: z.string(),
    allowedTools: z.string(),
    authorityLimits: z.string(),
    autonomyLevel: z.string(),
    reason: z.string(),
  })
  .transform((f, ctx) => {
    let limits: unknown = {};
    if (f.authorityLimits.trim() !== "") {
      try {
        limits = JSON.parse(f.authorityLimits);
      } catch {
        ctx.addIssue({ code: "custom", path: ["authorityLimits"], message: 'Authority limits are a JSON object such as { "maxAmountUsd": 5000 }.' });
      }
    }
    return {
      agent: f.agent,
      reason: f.reason,
      config: {
        model: f.model.trim() || null,
        promptName: f.promptName.trim() || null,
        promptLabel: f.promptLabel.trim() || null,
        allowedTools: lines(f.allowedTools),
        authorityLimits: limits,
        autonomyLevel: f.autonomyLevel === "" ? Number.NaN : Number(f.autonomyLevel),
      },
    } as z.input<typeof proposeAgentConfigSchema>;
  })
  .pipe(proposeAgentConfigSchema);
