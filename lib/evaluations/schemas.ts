import { z } from "zod";
import { OUTCOMES } from "@/lib/enums";

const id = z.string().trim().regex(/^[A-Za-z0-9_-]{1,64}$/, "Malformed id.");

export { OUTCOMES };

/** What an ops lead records about a run's outcome. Side effects: one per line. */
export const recordOutcomeSchema = z.object({
  runId: id,
  outcome: z.enum(OUTCOMES, { message: "Choose success, failure or unknown." }),
  impact: z
    .string()
    .trim()
    .max(2000, "At most 2,000 characters.")
    .optional()
    .transform((v) => v || null),
  sideEffects: z
    .string()
    .max(4000, "At most 4,000 characters.")
    .optional()
    .transform((v) =>
      (v ?? "")
        .split("\n")
        .map((line) => line.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().max(500, "Each side effect: at most 500 characters.")).max(30, "At most 30 side effects.")),
});
export type RecordOutcomeInput = z.infer<typeof recordOutcomeSchema>;

/** A person's score of one step's output: 1 (bad) to 5 (good), with a comment. */
export const scoreOutputSchema = z.object({
  runId: id,
  stepId: id,
  score: z.coerce.number({ message: "Choose a score from 1 to 5." }).int().min(1, "Choose a score from 1 to 5.").max(5, "Choose a score from 1 to 5."),
  comment: z
    .string()
    .trim()
    .max(2000, "At most 2,000 characters.")
    .optional()
    .transform((v) => v || null),
});
export type ScoreOutputInput = z.infer<typeof scoreOutputSchema>;

/** 1..5 → 0..1, the scale of Run.outputScore and heuristic scores. */
export function normalizeHumanScore(score: number): number {
  return (score - 1) / 4;
}
