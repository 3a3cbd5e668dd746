/**
 * "Approved means exactly this", checked at ingestion: a post-store hook that
 * links each newly stored tool call to the clearance it executes — by its
 * `flightdeck.escalation.id` attribute, else by trace and tool (the latest
 * escalation of that tool in the trace asked before the call) — and compares
 * the hash of the call's arguments with the hash of the arguments approved.
 * A call with other arguments, a second call of one clearance, or a call of
 * something pending, rejected, expired or cancelled flags the escalation and
 * the run "executed differently than approved", with an audit event (through
 * a command, as every audit event) and a notification for live views.
 *
 * Cheap on the hot path: a batch with no tool call costs one pass over its
 * steps; one with tool calls, one index probe on Escalation(traceId) for its
 * traces (and ids); only when some escalation is there, one probe for which of
 * those calls this transaction stored (a re-sent span is not a second call).
 * The arguments compared are the span's own, before redaction.
 */
import { SYSTEM_ACTOR, type Actor } from "@/lib/audit";
import { defineCommand } from "@/lib/commands";
import type { Tx } from "@/lib/db";
import { bulkQuery, type Connection } from "@/lib/db/bulk";
import type { PostStoreHook } from "@/lib/telemetry/pipeline";
import type { StepDraft } from "@/lib/telemetry/types";
import { notifyEscalation } from "./channel";
import { argumentsHash } from "./hash";

export const ESCALATION_ID_ATTRIBUTE = "flightdeck.escalation.id";
const ID_PATTERN = /^c[a-z0-9]{20,31}$/;
/** Agents' clocks differ from ours: a call stamped this much before the request still counts as after it. */
const CLOCK_SKEW_MS = 60_000;

interface OpenEscalation {
  id: string;
  traceId: string | null;
  tool: string;
  status: string;
  approvedArgumentsHash: string | null;
  executedSpanId: string | null;
  runId: string | null;
  createdAt: Date;
}

interface FreshCall {
  traceId: string;
  spanId: string;
  runId: string;
}

export interface Execution {
  escalationId: string;
  runId: string;
  spanId: string;
  /** null: executed as approved. */
  mismatch: string | null;
}

/** Which escalation a tool call executes: its attribute's, else the latest of its trace and tool asked before it. */
export function linkCall(call: Pick<StepDraft, "traceId" | "tool" | "startedAt" | "attributes">, escalations: readonly OpenEscalation[]): OpenEscalation | null {
  const named = call.attributes[ESCALATION_ID_ATTRIBUTE];
  if (typeof named === "string") return escalations.find((e) => e.id === named) ?? null;
  const before = call.startedAt.getTime() + CLOCK_SKEW_MS;
  let best: OpenEscalation | null = null;
  for (const e of escalations) {
    if (e.traceId !== call.traceId || e.tool !== call.tool || e.createdAt.getTime() > before) continue;
    if (!best || e.createdAt > best.createdAt) best = e;
  }
  return best;
}

const NOT_CLEARED: Record<string, string> = {
  PENDING: "executed before anyone decided",
  REJECTED: "executed although it was rejected",
  EXPIRED: "executed although it expired (the deadline rejected it)",
  CANCELLED: "executed although it was cancelled",
};

/** Why this execution is not what was approved, or null. `executedSpanId` is the first execution seen (this batch's earlier calls included). */
export function mismatchOf(escalation: Pick<OpenEscalation, "status" | "approvedArgumentsHash" | "executedSpanId">, call: Pick<StepDraft, "spanId" | "arguments">): string | null {
  const refused = NOT_CLEARED[escalation.status];
  if (refused) return refused;
  if (escalation.executedSpanId !== null && escalation.executedSpanId !== call.spanId) return "executed a second time";
  if (escalation.approvedArgumentsHash !== null && argumentsHash(call.arguments ?? {}) !== escalation.approvedArgumentsHash) return "executed with other arguments than approved";
  return null;
}

/** Records executions; flags and audits the ones that differ from what was approved. Called inside the ingest transaction. */
export const recordExecutionsCommand = defineCommand("escalation.execution_mismatch", { user: "admin" }, async (tx, _actor, executions: Execution[]) => {
  for (const e of executions) {
    await tx.$executeRaw`
      UPDATE "Escalation" SET "executionCount" = "executionCount" + 1,
        "executedAt" = COALESCE("executedAt", (now() AT TIME ZONE 'UTC')),
        "executedSpanId" = COALESCE("executedSpanId", ${e.spanId}),
        "runId" = COALESCE("runId", ${e.runId}),
        "executedDifferently" = "executedDifferently" OR ${e.mismatch !== null},
        "executedDifferentlyReason" = COALESCE("executedDifferentlyReason", ${e.mismatch}),
        "updatedAt" = (now() AT TIME ZONE 'UTC')
      WHERE "id" = ${e.escalationId}`;
  }
  const mismatched = executions.filter((e) => e.mismatch !== null);
  for (const runId of new Set(mismatched.map((e) => e.runId))) {
    await tx.$executeRaw`UPDATE "Run" SET "flagExecutedDifferently" = true WHERE "id" = ${runId} AND NOT "flagExecutedDifferently"`;
  }
  for (const e of executions) await notifyEscalation(tx, e.escalationId, "executed", mismatched.includes(e) ? "mismatch" : "executed");
  return {
    result: mismatched.length,
    audit: mismatched.length
      ? {
          targetType: "escalation",
          targetId: mismatched.length === 1 ? mismatched[0]!.escalationId : null,
          after: { executedDifferently: true },
          metadata: { executions: mismatched.map((e) => ({ escalation: e.escalationId, run: e.runId, spanId: e.spanId, why: e.mismatch })) },
        }
      : null,
  };
});

const INGEST_ACTOR: Actor = { ...SYSTEM_ACTOR, label: "ingestion" };

async function escalationsOf(tx: Tx, connection: Connection, traces: string[], ids: string[]): Promise<OpenEscalation[]> {
  return bulkQuery<OpenEscalation>(
    tx,
    connection,
    `SELECT "id", "traceId", "tool", "status"::text AS "status", "approvedArgumentsHash", "executedSpanId", "runId", ("createdAt" AT TIME ZONE 'UTC') AS "createdAt"
     FROM "Escalation" WHERE "traceId" = ANY($1::text[]) OR "id" = ANY($2::text[])`,
    [traces, ids],
  );
}

/** The calls this transaction stored (a re-sent span was stored before; Step.createdAt defaults to the transaction's start). */
async function freshCalls(tx: Tx, connection: Connection, calls: StepDraft[]): Promise<FreshCall[]> {
  return bulkQuery<FreshCall>(
    tx,
    connection,
    `SELECT s."traceId", s."spanId", s."runId" FROM "Step" s
     JOIN unnest($1::text[], $2::text[]) AS c(t, sp) ON s."traceId" = c.t AND s."spanId" = c.sp
     WHERE s."createdAt" = CURRENT_TIMESTAMP::timestamp(3)`,
    [calls.map((c) => c.traceId), calls.map((c) => c.spanId)],
  );
}

export const escalationBindingHook: PostStoreHook = {
  name: "escalations.argument_binding",
  async run({ tx, connection, batch }) {
    const calls = batch.steps.filter((s) => s.kind === "TOOL_CALL" && s.tool !== null);
    if (calls.length === 0) return;
    const ids = new Set<string>();
    for (const c of calls) {
      const id = c.attributes[ESCALATION_ID_ATTRIBUTE];
      if (typeof id === "string" && ID_PATTERN.test(id)) ids.add(id);
    }
    const escalations = await escalationsOf(tx, connection, [...new Set(calls.map((c) => c.traceId))], [...ids]);
    if (escalations.length === 0) return;
    const linked = calls.map((call) => ({ call, escalation: linkCall(call, escalations) })).filter((l) => l.escalation !== null);
    if (linked.length === 0) return;
    const fresh = new Map((await freshCalls(tx, connection, linked.map((l) => l.call))).map((f) => [`${f.traceId}/${f.spanId}`, f]));
    const executions: Execution[] = [];
    for (const { call, escalation } of linked.sort((a, b) => a.call.startedAt.getTime() - b.call.startedAt.getTime())) {
      const stored = fresh.get(`${call.traceId}/${call.spanId}`);
      if (!stored || !escalation) continue;
      const mismatch = mismatchOf(escalation, call);
      // Later calls of this batch see this one as the first execution.
      if (escalation.executedSpanId === null) escalation.executedSpanId = call.spanId;
      executions.push({ escalationId: escalation.id, runId: stored.runId, spanId: call.spanId, mismatch });
    }
    if (executions.length) await recordExecutionsCommand(tx, INGEST_ACTOR, executions);
  },
};
