/**
 * The per-trace fold: what one batch of steps says about each run, as one
 * ordered batch would give it, before the run upsert merges it with what is
 * stored (store.ts). Pure, so its decisions are unit-tested one by one:
 * - the root span (no parent) names the run, ends it and sets its status;
 * - agent, service, team and conversation come from the first step naming
 *   them, the root's agent and team winning;
 * - a run is flagged escalated by an ESCALATION step or a root span with
 *   `flightdeck.run.escalated=true`; while open, and nothing happened after
 *   its latest pending escalation step, it is ESCALATED (waiting for clearance).
 */
import type { StepDraft } from "./types";

export type FoldedRunStatus = "RUNNING" | "SUCCEEDED" | "FAILED" | "ESCALATED";

export interface FoldedRun {
  traceId: string;
  name: string | null;
  agentName: string | null;
  serviceName: string | null;
  teamName: string | null;
  conversationId: string | null;
  status: FoldedRunStatus;
  startedAt: Date;
  endedAt: Date | null;
  lastStepAt: Date;
  outcome: string;
  outcomeImpact: string | null;
  escalated: boolean;
}

interface Fold extends FoldedRun {
  /** Start of the latest pending escalation step, and of the latest other non-root step. */
  pendingEscalationAt: number;
  latestOtherStartAt: number;
}

/** One entry per trace of `steps` (which must be free of repeats), in first-seen order. */
export function foldRuns(steps: readonly StepDraft[]): Map<string, FoldedRun> {
  const runs = new Map<string, Fold>();
  for (const s of steps) {
    const last = s.endedAt ?? s.startedAt;
    let run = runs.get(s.traceId);
    if (!run) {
      run = {
        traceId: s.traceId,
        name: null,
        agentName: s.agentName,
        serviceName: s.serviceName,
        teamName: s.teamName,
        conversationId: s.conversationId,
        status: "RUNNING",
        startedAt: s.startedAt,
        endedAt: null,
        lastStepAt: last,
        outcome: "UNKNOWN",
        outcomeImpact: null,
        escalated: false,
        pendingEscalationAt: -Infinity,
        latestOtherStartAt: -Infinity,
      };
      runs.set(s.traceId, run);
    }
    if (s.startedAt < run.startedAt) run.startedAt = s.startedAt;
    if (last > run.lastStepAt) run.lastStepAt = last;
    run.agentName ??= s.agentName;
    run.serviceName ??= s.serviceName;
    run.teamName ??= s.teamName;
    run.conversationId ??= s.conversationId;
    if (s.runOutcome && s.runOutcome !== "UNKNOWN") run.outcome = s.runOutcome;
    run.outcomeImpact = s.runOutcomeImpact ?? run.outcomeImpact;
    if (s.kind === "ESCALATION") {
      run.escalated = true;
      if (s.attributes["flightdeck.escalation.status"] === "pending") run.pendingEscalationAt = Math.max(run.pendingEscalationAt, s.startedAt.getTime());
      else run.latestOtherStartAt = Math.max(run.latestOtherStartAt, s.startedAt.getTime());
    } else if (s.parentSpanId !== null) {
      run.latestOtherStartAt = Math.max(run.latestOtherStartAt, s.startedAt.getTime());
    }
    if (s.parentSpanId === null && s.attributes["flightdeck.run.escalated"] === true) run.escalated = true;
    if (s.parentSpanId === null && s.endedAt !== null && (run.endedAt === null || s.endedAt >= run.endedAt)) {
      run.name = s.name;
      run.endedAt = s.endedAt;
      run.status = s.status === "FAILED" ? "FAILED" : "SUCCEEDED";
      run.agentName = s.agentName ?? run.agentName;
      run.serviceName = s.serviceName ?? run.serviceName;
      run.teamName = s.teamName ?? run.teamName;
    }
  }
  const folded = new Map<string, FoldedRun>();
  for (const [traceId, { pendingEscalationAt, latestOtherStartAt, ...run }] of runs) {
    run.agentName ??= run.serviceName;
    // Still open, asked for clearance, and nothing happened after asking: waiting for it.
    if (run.endedAt === null && pendingEscalationAt > -Infinity && pendingEscalationAt >= latestOtherStartAt) run.status = "ESCALATED";
    folded.set(traceId, run);
  }
  return folded;
}
