/**
 * Runs and steps written with plain SQL on a `pg` client: what end-to-end
 * specs use against the running server's database (they do not load the Prisma
 * client); unique trace ids (and name tags) per call, so specs never depend on
 * demo data or on each other. Integration tests use runs.ts (Prisma) instead.
 */
import type pg from "pg";
import { hex } from "./runs";

export { hex };
export const newId = () => `e2e${hex(10)}`;

export interface E2eStep {
  kind: "LLM_CALL" | "TOOL_CALL" | "DECISION" | "STATE_TRANSITION" | "AGENT" | "ESCALATION" | "OTHER";
  name: string;
  parent?: number;
  tool?: string;
  error?: string;
  arguments?: unknown;
  decision?: unknown;
  outputMessages?: unknown;
  model?: string;
}

export async function insertAgent(client: pg.Client, name: string): Promise<string> {
  const id = newId();
  await client.query(`INSERT INTO "Agent" (id, name, "updatedAt") VALUES ($1, $2, now())`, [id, name]);
  return id;
}

export async function insertRun(
  client: pg.Client,
  run: { name: string; agentId?: string; status?: string; flagLoop?: boolean; outputScore?: number | null; steps?: E2eStep[]; startedAt?: Date },
): Promise<{ id: string; stepIds: string[] }> {
  const id = newId();
  const traceId = hex(16);
  const startedAt = run.startedAt ?? new Date(Date.now() - 60_000);
  const steps = run.steps ?? [];
  const spanIds = steps.map(() => hex(8));
  const stepIds = steps.map(() => newId());
  const lastStepAt = new Date(startedAt.getTime() + steps.length * 1000);
  const failed = steps.filter((s) => s.error).length;
  await client.query(
    `INSERT INTO "Run" (id, "traceId", name, "agentId", status, "startedAt", "lastStepAt", "endedAt", "stepCount", "failedStepCount",
       "flagToolFailure", "flagLoop", "outputScore", "updatedAt")
     VALUES ($1, $2, $3, $4, $5::"RunStatus", $6, $7, $8, $9, $10, $11, $12, $13, now())`,
    [id, traceId, run.name, run.agentId ?? null, run.status ?? "SUCCEEDED", startedAt, lastStepAt,
      run.status === "RUNNING" ? null : lastStepAt, steps.length, failed,
      steps.some((s) => s.error && s.kind === "TOOL_CALL"), run.flagLoop ?? false, run.outputScore ?? null],
  );
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i]!;
    const at = new Date(startedAt.getTime() + i * 1000);
    await client.query(
      `INSERT INTO "Step" (id, "runId", "traceId", "spanId", "parentSpanId", kind, name, status, error, "startedAt", "endedAt",
         tool, arguments, decision, "outputMessages", model, "flagLoop")
       VALUES ($1, $2, $3, $4, $5, $6::"StepKind", $7, $8::"StepStatus", $9, $10, $11, $12, $13::jsonb, $14::jsonb, $15::jsonb, $16, $17)`,
      [stepIds[i], id, traceId, spanIds[i], s.parent === undefined ? null : spanIds[s.parent], s.kind, s.name, s.error ? "FAILED" : "OK",
        s.error ?? null, at, new Date(at.getTime() + 800), s.tool ?? null, json(s.arguments), json(s.decision), json(s.outputMessages),
        s.model ?? null, run.flagLoop === true && s.kind === "TOOL_CALL"],
    );
  }
  return { id, stepIds };
}

/** A run with `count` steps, inserted in one statement (the 5,000-step journey). */
export async function insertBigRun(client: pg.Client, name: string, count: number): Promise<string> {
  const id = newId();
  const traceId = hex(16);
  const startedAt = new Date(Date.now() - 3_600_000);
  await client.query(
    `INSERT INTO "Run" (id, "traceId", name, status, "startedAt", "lastStepAt", "endedAt", "stepCount", "updatedAt")
     VALUES ($1, $2, $3, 'SUCCEEDED', $4, $4::timestamp + make_interval(secs => $5::int * 0.5), $4::timestamp + make_interval(secs => $5::int * 0.5), $5, now())`,
    [id, traceId, name, startedAt, count],
  );
  await client.query(
    `INSERT INTO "Step" (id, "runId", "traceId", "spanId", "parentSpanId", kind, name, "startedAt", "endedAt", tool, model)
     SELECT $1 || '-' || g, $1, $2, lpad(to_hex(g), 16, '0'),
       CASE WHEN g % 10 = 0 THEN NULL ELSE lpad(to_hex(g - g % 10), 16, '0') END,
       (CASE WHEN g % 10 = 0 THEN 'AGENT' WHEN g % 3 = 0 THEN 'TOOL_CALL' WHEN g % 3 = 1 THEN 'LLM_CALL' ELSE 'DECISION' END)::"StepKind",
       'step ' || g, $3::timestamp + make_interval(secs => g * 0.5), $3::timestamp + make_interval(secs => g * 0.5 + 0.4),
       CASE WHEN g % 3 = 0 THEN 'tool_' || (g % 7) END, CASE WHEN g % 3 = 1 THEN 'gpt-4o-mini' END
     FROM generate_series(0, $4::int - 1) g`,
    [id, traceId, startedAt, count],
  );
  return id;
}

function json(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}
