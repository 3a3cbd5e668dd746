/** Input of the agent status API and the kill-switch forms. */
import { z } from "zod";
import { waitQuerySchema } from "@/lib/escalations/schemas";
import { REASON_MAX } from "./status-limits";

export const agentNameSchema = z.string().min(1, "Agent name is empty.").max(200, "Agent names have at most 200 characters.").refine((s) => !s.includes("\0"), "Agent names cannot contain NUL.");

const reasonSchema = z
  .string({ message: "reason is text: say why." })
  .trim()
  .min(1, "reason is required: say why.")
  .max(REASON_MAX, `reason has at most ${REASON_MAX} characters.`)
  .refine((s) => !s.includes("\0"), "reason cannot contain NUL.");

/** `POST /api/v1/agents/{name}/status { status: "active" | "paused", reason, acknowledgeTrip? }`. */
export const statusBodySchema = z
  .object({
    status: z.enum(["active", "paused"], { message: 'status is "active" or "paused" (only breakers trip an agent).' }),
    reason: reasonSchema,
    acknowledgeTrip: z.boolean({ message: "acknowledgeTrip is true or false." }).optional(),
  })
  .strict();
export type StatusBody = z.output<typeof statusBodySchema>;

/** `GET …/status?waitSeconds=N`: with If-None-Match, waits up to N s (≤ 55) for a change. */
export const statusQuerySchema = waitQuerySchema;

/** The kill-switch form of the console (one agent or a whole team). */
export const killSwitchFormSchema = z
  .object({
    target: z.enum(["agent", "team"]),
    name: agentNameSchema,
    status: z.enum(["ACTIVE", "PAUSED"]),
    reason: reasonSchema,
    acknowledgeTrip: z.enum(["on"]).optional(),
  })
  .strict();
