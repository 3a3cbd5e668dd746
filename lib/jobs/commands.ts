/**
 * Commands of the jobs area. "Run now" is recorded as a request (`job.run`)
 * in a transaction of its own, and the tick runs after that commits: the tick
 * takes its lock on a connection of its own and may run for a while, which
 * must not happen inside a transaction (lib/jobs/scheduler.ts says why). The
 * run's outcome is in JobState, not in the audit event.
 */
import "server-only";
import type { Actor } from "@/lib/audit";
import { defineCommand, execute } from "@/lib/commands";
import { AppError } from "@/lib/errors";
import type { JobDefinition } from "./define";
import { findJob } from "./registry";
import { runJobNow, type TickResult } from "./scheduler";

export const requestJobRunCommand = defineCommand("job.run", { user: "admin" }, async (_tx, _actor, name: string) => {
  // The name comes from the browser: only a registered job may be asked for.
  const job = findJob(name);
  if (!job) throw new AppError("not_found:job", `There is no job named “${name}”.`);
  return { result: job, audit: { targetType: "job", targetId: job.name, metadata: { trigger: "manual", intervalMs: job.intervalMs } } };
});

/** Run now, as a person asks: the request checked and audited, then one tick (still under the job's lock). */
export async function runJobOnRequest(actor: Actor, name: string): Promise<{ job: JobDefinition; result: TickResult }> {
  const job = await execute(requestJobRunCommand, actor, name);
  return { job, result: await runJobNow(job.name) };
}
