/**
 * What a periodic job is. A job is declared once with `defineJob` in the area
 * that owns it (the stall sweep in lib/runs, webhook delivery in lib/webhooks)
 * and listed in `lib/jobs/registry.ts`; the scheduler (lib/jobs/scheduler.ts)
 * runs each tick on exactly one instance, under a PostgreSQL advisory lock,
 * and records the last run, its duration and its last error in `JobState`.
 */
export type JobSummary = Record<string, string | number | boolean | null>;

export interface JobContext {
  /** The tick's time; jobs use it instead of `new Date()` so tests can pin it. */
  now: Date;
  /** Aborted when the process shuts down: stop at the next safe point. */
  signal: AbortSignal;
}

export interface JobDefinition {
  /** snake_case, unique; the JobState row and the advisory lock key derive from it. */
  name: string;
  /** One line for admins in Settings › System. */
  description: string;
  intervalMs: number;
  /** What the tick did (counts), shown as the last summary. Throw to record an error. */
  run(context: JobContext): Promise<JobSummary | void>;
}

export function defineJob(definition: JobDefinition): JobDefinition {
  if (!/^[a-z][a-z0-9_]*$/.test(definition.name)) throw new Error(`Job name "${definition.name}" must be snake_case.`);
  return definition;
}
