/**
 * Validation and JSON shapes of the clearance API (field names as in the HTTP
 * contract): the request `{ traceId, spanId, agent, tool, arguments, reason,
 * confidence }`, the decision `{ verdict, comment, decidedBy, arguments? }`,
 * the long-poll query `waitSeconds` (≤ 55, below the 60 s tool timeouts of
 * agent frameworks), and the console's decision form. Safe for client code.
 */
import { z } from "zod";

/** Bodies of the clearance routes; arguments are small (what a tool call takes), never documents. */
export const ESCALATION_BODY_LIMIT = 128 * 1024;
export const MAX_ARGUMENTS_BYTES = 64 * 1024;
export const MAX_WAIT_SECONDS = 55;
export const CLAIM_MINUTES = 15;

export const ESCALATION_STATUSES = ["pending", "cleared", "approved", "rejected", "expired", "cancelled"] as const;
export type EscalationStatusName = (typeof ESCALATION_STATUSES)[number];
export const RISKS = ["low", "medium", "high"] as const;
export type Risk = (typeof RISKS)[number];

const hex = (length: number, field: string) =>
  z
    .string({ message: `${field} is ${length} hex digits.` })
    .trim()
    .toLowerCase()
    .regex(new RegExp(`^[0-9a-f]{${length}}$`), `${field} is ${length} hex digits.`)
    .refine((v) => !/^0+$/.test(v), `${field} cannot be all zeros.`);

const jsonSize = (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? "", "utf8");

export const argumentsSchema = z
  .record(z.string().max(200, "An argument name has at most 200 characters."), z.unknown(), { message: "arguments is a JSON object (the tool call's arguments)." })
  .refine((a) => Object.keys(a).length <= 200, "At most 200 arguments.")
  .refine((a) => jsonSize(a) <= MAX_ARGUMENTS_BYTES, `arguments is at most ${MAX_ARGUMENTS_BYTES / 1024} kB of JSON.`);

export const toolNameSchema = z
  .string({ message: "tool is the tool's name." })
  .trim()
  .min(1, "tool is the tool's name.")
  .max(200, "tool has at most 200 characters.")
  .regex(/^[A-Za-z0-9_.:\/-]+$/, "tool is letters, digits and _ . : / -.");

export const agentNameSchema = z.string({ message: "agent is the agent's name." }).trim().min(1, "agent is the agent's name.").max(200, "agent has at most 200 characters.");

export const escalationCreateSchema = z
  .object({
    traceId: hex(32, "traceId").optional(),
    spanId: hex(16, "spanId").optional(),
    agent: agentNameSchema,
    tool: toolNameSchema,
    arguments: argumentsSchema.default({}),
    reason: z.string({ message: "reason is text." }).trim().max(2000, "reason has at most 2000 characters.").optional(),
    confidence: z.number({ message: "confidence is a number from 0 to 1." }).min(0, "confidence is 0 to 1.").max(1, "confidence is 0 to 1.").optional(),
    risk: z.enum(RISKS, { message: 'risk is "low", "medium" or "high".' }).optional(),
  })
  .strict()
  .refine((b) => b.spanId === undefined || b.traceId !== undefined, { path: ["traceId"], message: "A spanId goes with its traceId." });
export type EscalationCreateBody = z.output<typeof escalationCreateSchema>;

export const commentSchema = z.string({ message: "comment is text." }).trim().max(2000, "comment has at most 2000 characters.");

export const decisionBodySchema = z
  .object({
    verdict: z.enum(["approve", "reject"], { message: 'verdict is "approve" or "reject".' }),
    comment: commentSchema.optional(),
    decidedBy: z.string({ message: "decidedBy is the deciding user's e-mail." }).trim().toLowerCase().email("decidedBy is the deciding user's e-mail.").max(320),
    arguments: argumentsSchema.optional(),
  })
  .strict()
  .refine((b) => b.verdict === "approve" || b.arguments === undefined, { path: ["arguments"], message: "Only an approval carries arguments." })
  .refine((b) => b.verdict === "approve" || (b.comment ?? "").length > 0, { path: ["comment"], message: "A rejection says why (comment)." });
export type DecisionBody = z.output<typeof decisionBodySchema>;

export const waitQuerySchema = z
  .object({
    waitSeconds: z
      .string()
      .regex(/^\d{1,3}$/, `waitSeconds is a whole number of seconds from 0 to ${MAX_WAIT_SECONDS}.`)
      .transform(Number)
      .refine((n) => n <= MAX_WAIT_SECONDS, `waitSeconds is at most ${MAX_WAIT_SECONDS} (below the 60 s tool timeouts of agent frameworks).`)
      .optional(),
  })
  .strict();

export const escalationIdSchema = z.string().regex(/^c[a-z0-9]{20,31}$/);

const decisionFormOutput = z
  .object({ escalationId: escalationIdSchema, verdict: z.enum(["approve", "reject"]), comment: commentSchema, arguments: argumentsSchema.optional() })
  .refine((f) => f.verdict === "approve" || f.comment.length > 0, { path: ["comment"], message: "Say why you reject it." });

/** The console's decision form: the verdict comes from the button, arguments as edited JSON text. */
export const decisionFormSchema = z
  .object({
    escalationId: escalationIdSchema,
    verdict: z.enum(["approve", "reject"]),
    comment: commentSchema,
    changeArguments: z.boolean(),
    arguments: z.string().max(MAX_ARGUMENTS_BYTES * 2, "The arguments are too long."),
  })
  .transform((f, ctx) => {
    let args: unknown;
    if (f.verdict === "approve" && f.changeArguments) {
      try {
        args = JSON.parse(f.arguments);
      } catch (error) {
        ctx.addIssue({ code: "custom", path: ["arguments"], message: `Not valid JSON: ${error instanceof Error ? error.message : "parse error"}.` });
      }
    }
    return { escalationId: f.escalationId, verdict: f.verdict, comment: f.comment, arguments: args } as z.input<typeof decisionFormOutput>;
  })
  .pipe(decisionFormOutput);

/** What `GET /api/v1/escalations/{id}` answers (and `POST` on creation). */
export interface EscalationJson {
  id: string;
  status: EscalationStatusName;
  /** approve for cleared and approved, reject for rejected and expired, null while pending or when cancelled. */
  verdict: "approve" | "reject" | null;
  /** The deciding comment (the last decision's), or why it closed without one. */
  comment: string | null;
  agent: string;
  tool: string;
  traceId: string | null;
  spanId: string | null;
  reason: string | null;
  confidence: number | null;
  risk: string | null;
  policy: string | null;
  policyVersion: number | null;
  matchReasons: string[];
  requiredApprovals: number;
  approvals: number;
  slaDueAt: string | null;
  expiresAt: string | null;
  createdAt: string;
  decidedAt: string | null;
  arguments: Record<string, unknown>;
  /** What the agent may execute (null unless cleared or approved): the agent must use these. */
  approvedArguments: Record<string, unknown> | null;
  argumentsChanged: boolean;
  decisions: { verdict: "approve" | "reject"; comment: string | null; decidedBy: string; decidedAt: string; arguments: Record<string, unknown> | null }[];
  executedDifferently: boolean;
  replayed?: boolean;
}
