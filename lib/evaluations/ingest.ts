/**
 * Heuristic evaluators at ingestion: for the runs a batch touched, score each
 * new LLM output with the evaluators of its agent's current configuration,
 * insert the Evaluation rows in one statement, and refresh Run.outputScore
 * unless a person set it (outputScoreSource HUMAN).
 * Set-based: a handful of statements per batch whatever its size.
 */
import { randomUUID } from "node:crypto";
import type { Tx } from "@/lib/db";
import { compileEvaluators, evaluateOutput, outputText, type Evaluator } from "./heuristics";

interface LlmOutputRow {
  id: string;
  runId: string;
  agentId: string;
  outputMessages: unknown;
  redactions: number;
}

/** Returns how many Evaluation rows it wrote. */
export async function runHeuristicEvaluators(tx: Tx, runIds: string[]): Promise<number> {
  if (runIds.length === 0) return 0;
  const configs = await tx.$queryRaw<{ agentId: string; evaluators: unknown }[]>`
    SELECT DISTINCT ON (a.id) a.id AS "agentId", cv.evaluators
    FROM "Run" r
    JOIN "Agent" a ON a.id = r."agentId"
    JOIN "AgentConfigVersion" cv ON cv.id = a."currentConfigId"
    WHERE r.id = ANY(${runIds}) AND jsonb_typeof(cv.evaluators) = 'array' AND jsonb_array_length(cv.evaluators) > 0`;

  let written = 0;
  if (configs.length > 0) {
    const byAgent = new Map<string, Evaluator[]>();
    for (const c of configs) {
      const { evaluators } = compileEvaluators(c.evaluators);
      if (evaluators.length) byAgent.set(c.agentId, evaluators);
    }
    if (byAgent.size > 0) {
      const steps = await tx.$queryRaw<LlmOutputRow[]>`
        SELECT s.id, s."runId", r."agentId", s."outputMessages", s.redactions
        FROM "Step" s JOIN "Run" r ON r.id = s."runId"
        WHERE s."runId" = ANY(${runIds}) AND r."agentId" = ANY(${[...byAgent.keys()]})
          AND s.kind = 'LLM_CALL' AND s."outputMessages" IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM "Evaluation" e WHERE e."stepId" = s.id AND e.source = 'HEURISTIC')`;
      const rows = { id: [] as string[], runId: [] as string[], stepId: [] as string[], name: [] as string[], score: [] as number[], passed: [] as boolean[], comment: [] as (string | null)[] };
      for (const step of steps) {
        const text = outputText(step.outputMessages);
        if (text === null) continue;
        for (const result of evaluateOutput(byAgent.get(step.agentId)!, { text, redactions: step.redactions })) {
          rows.id.push(randomUUID());
          rows.runId.push(step.runId);
          rows.stepId.push(step.id);
          rows.name.push(result.name);
          rows.score.push(result.passed ? 1 : 0);
          rows.passed.push(result.passed);
          rows.comment.push(result.comment?.slice(0, 500) ?? null);
        }
      }
      if (rows.id.length > 0) {
        written = await tx.$executeRaw`
          INSERT INTO "Evaluation" (id, "runId", "stepId", kind, source, name, score, passed, comment, "createdAt")
          SELECT u.id, u."runId", u."stepId", 'OUTPUT', 'HEURISTIC', u.name, u.score, u.passed, u.comment, now()
          FROM unnest(${rows.id}::text[], ${rows.runId}::text[], ${rows.stepId}::text[], ${rows.name}::text[],
                      ${rows.score}::float8[], ${rows.passed}::boolean[], ${rows.comment}::text[])
            AS u(id, "runId", "stepId", name, score, passed, comment)`;
      }
    }
  }

  // Output quality of a run: a person's latest score wins (set by the score command, outputScoreSource HUMAN)
  // and is never replaced here; otherwise the mean of automatic scores (heuristics, and judges sent through
  // ingestion), marked HEURISTIC. The NOT EXISTS covers runs a person scored before the source was recorded.
  await tx.$executeRaw`
    UPDATE "Run" r SET "outputScore" = sub.mean, "outputScoreSource" = 'HEURISTIC', "updatedAt" = now()
    FROM (
      SELECT e."runId", avg(e.score) AS mean FROM "Evaluation" e
      WHERE e."runId" = ANY(${runIds}) AND e.kind = 'OUTPUT' AND e.source <> 'HUMAN' AND e.score IS NOT NULL
      GROUP BY e."runId"
    ) sub
    WHERE r.id = sub."runId" AND r."outputScoreSource" IS DISTINCT FROM 'HUMAN'
      AND (r."outputScore" IS DISTINCT FROM sub.mean OR r."outputScoreSource" IS NULL)
      AND NOT EXISTS (SELECT 1 FROM "Evaluation" h WHERE h."runId" = r.id AND h.kind = 'OUTPUT' AND h.source = 'HUMAN')`;
  return written;
}
