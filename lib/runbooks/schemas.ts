/**
 * Validation of runbook edits: the markdown body (at most RUNBOOK_MAX_CHARS
 * after line endings are normalised, no NUL, which PostgreSQL text cannot
 * hold), the optional "why" message, and the form's fields (the agent's id
 * and the version the editor started from). Client components get the limits
 * as props (lib/ids.ts, which ROW_ID comes from, needs node:crypto).
 */
import { z } from "zod";
import { ROW_ID } from "@/lib/ids";

export const RUNBOOK_MAX_CHARS = 20_000;
export const RUNBOOK_MESSAGE_MAX_CHARS = 500;
/** The message of version 1 when an agent had a runbook before edits were versioned. */
export const LEGACY_RUNBOOK_MESSAGE = "The runbook as it was before edits were versioned.";

const noNul = (s: string) => !s.includes("\u0000");

/**
 * A runbook's markdown. Browsers send a textarea's line breaks as CRLF, so
 * they are normalised before the length is counted (what the textarea's
 * maxLength counted); leading blank lines and trailing whitespace go. Empty:
 * the runbook is cleared (a version is still recorded).
 */
export const runbookBodySchema = z
  .string({ message: "The runbook is text." })
  .refine(noNul, "The runbook contains a NUL character; remove it.")
  .transform((s) => s.replace(/\r\n?/g, "\n").replace(/^(?:[ \t]*\n)+/, "").trimEnd())
  .pipe(z.string().max(RUNBOOK_MAX_CHARS, `A runbook has at most ${RUNBOOK_MAX_CHARS.toLocaleString("en-US")} characters.`));

/** Why it changed, in a sentence; empty: none given. */
export const runbookMessageSchema = z
  .string({ message: "The message is text." })
  .refine(noNul, "The message contains a NUL character; remove it.")
  .transform((s) => s.trim())
  .pipe(z.string().max(RUNBOOK_MESSAGE_MAX_CHARS, `A message has at most ${RUNBOOK_MESSAGE_MAX_CHARS} characters.`))
  .transform((s) => (s === "" ? null : s));

export const runbookTargetIdSchema = z.string({ message: "Unknown agent." }).regex(ROW_ID, "Unknown agent.");

/** The version the editor started from ("" or absent: no check); a save on top of a newer one is refused. */
const baseVersionSchema = z
  .string({ message: "Unknown version." })
  .regex(/^\d{1,9}$/, "Unknown version.")
  .transform(Number)
  .optional();

export const updateAgentRunbookSchema = z
  .object({
    agentId: runbookTargetIdSchema,
    body: runbookBodySchema,
    message: runbookMessageSchema.optional().transform((m) => m ?? null),
    baseVersion: baseVersionSchema,
  })
  .strict();

export type UpdateAgentRunbookInput = z.output<typeof updateAgentRunbookSchema>;

/** The form's fields as the schema reads them: a field that is not text (a file) stays as it is, so it is refused. */
export function runbookFormInput(formData: FormData): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of ["agentId", "body", "message", "baseVersion"] as const) {
    const value = formData.get(name);
    if (value === null) continue;
    if (name === "baseVersion" && value === "") continue;
    out[name] = value;
  }
  return out;
}
