"use server";
/** Server actions of Settings › System: "Run now" for one job (admins only, audited). */
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { actionError, fieldErrors, invalid, type ActionState } from "@/lib/forms";
import { formatDuration } from "@/lib/runs/format";
import { actorOf, requireScope } from "@/lib/session";
import { runJobOnRequest } from "./commands";
import { formatSummary } from "./format";

const runJobSchema = z.object({ name: z.string().regex(/^[a-z][a-z0-9_]*$/, "Unknown job.") });

export async function runJobNowAction(_prev: ActionState, formData: FormData): Promise<ActionState> {
  try {
    const me = await requireScope("admin");
    const parsed = runJobSchema.safeParse({ name: formData.get("job") });
    if (!parsed.success) return invalid(fieldErrors(parsed.error.issues), "Unknown job.");
    const { job, result } = await runJobOnRequest(actorOf(me), parsed.data.name);
    revalidatePath("/settings");
    switch (result.status) {
      case "succeeded":
        return { status: "success", message: `Ran ${job.name} in ${formatDuration(result.durationMs)}: ${formatSummary(result.summary)}.` };
      case "failed":
        return { status: "error", message: `${job.name} failed: ${result.error}` };
      case "skipped":
        return {
          status: "error",
          message: result.reason === "stopped" ? "The server is shutting down; jobs are not run now." : `${job.name} is running on another instance right now; try again in a moment.`,
        };
    }
  } catch (error) {
    return actionError(error, "runJobNow");
  }
}
