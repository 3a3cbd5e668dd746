/**
 * The waterfall of one run, computed once on the server: steps in tree order
 * (children under their parent, siblings by start time), offsets on the run's
 * time axis, and the failure analysis (what the agent did right after a failed
 * tool call). The browser receives only these compact rows, never message bodies.
 */

export type StepKindName = "LLM_CALL" | "TOOL_CALL" | "DECISION" | "STATE_TRANSITION" | "AGENT" | "ESCALATION" | "OTHER";

export interface TimelineSource {
  id: string;
  spanId: string;
  parentSpanId: string | null;
  kind: StepKindName;
  name: string;
  failed: boolean;
  startedAt: Date;
  endedAt: Date | null;
  tool: string | null;
  model: string | null;
  flagLoop: boolean;
  escalated: boolean;
}

export interface TimelineItem {
  id: string;
  /** Index of the parent in `items`, or -1. */
  parent: number;
  depth: number;
  kind: StepKindName;
  name: string;
  /** Tool or model, shown beside the name. */
  detail: string | null;
  failed: boolean;
  /** Milliseconds from the run's first step. */
  offset: number;
  /** Milliseconds, or null while the step has not ended. */
  duration: number | null;
  /** Position by start time (0 = first step), for "preceding steps". */
  rank: number;
  loop: boolean;
  escalated: boolean;
  /** Index of the failed tool call this step came right after, or -1. */
  afterFailure: number;
}

export interface Timeline {
  items: TimelineItem[];
  /** Milliseconds from the first step's start to the latest end (or start). */
  span: number;
  startedAt: string | null;
  /** Indexes of failed tool calls, in time order. */
  failures: number[];
}

/** How many steps after a failed tool call count as "what the agent did next". */
export const STEPS_AFTER_FAILURE = 2;

const byStart = (a: TimelineSource, b: TimelineSource) => a.startedAt.getTime() - b.startedAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export function buildTimeline(steps: TimelineSource[]): Timeline {
  if (steps.length === 0) return { items: [], span: 0, startedAt: null, failures: [] };
  const timeOrder = [...steps].sort(byStart);
  const t0 = timeOrder[0]!.startedAt.getTime();
  const rankOf = new Map(timeOrder.map((s, i) => [s.id, i]));
  const bySpan = new Map(steps.map((s) => [s.spanId, s]));

  const children = new Map<string, TimelineSource[]>();
  const roots: TimelineSource[] = [];
  for (const s of timeOrder) {
    // A parent that never arrived (or a self-reference) leaves the step at the top level.
    const parent = s.parentSpanId && s.parentSpanId !== s.spanId ? bySpan.get(s.parentSpanId) : undefined;
    if (parent) {
      const list = children.get(parent.spanId) ?? [];
      list.push(s);
      children.set(parent.spanId, list);
    } else roots.push(s);
  }

  const items: TimelineItem[] = [];
  const indexOf = new Map<string, number>();
  const seen = new Set<string>();
  // Iterative depth-first walk: a 5,000-step chain must not overflow the stack.
  const stack: { step: TimelineSource; parent: number; depth: number }[] = roots.reverse().map((step) => ({ step, parent: -1, depth: 0 }));
  let end = t0;
  while (stack.length) {
    const { step, parent, depth } = stack.pop()!;
    if (seen.has(step.id)) continue; // parent cycles in bad telemetry
    seen.add(step.id);
    const start = step.startedAt.getTime();
    const stop = step.endedAt?.getTime() ?? null;
    end = Math.max(end, stop ?? start, start);
    indexOf.set(step.id, items.length);
    items.push({
      id: step.id,
      parent,
      depth,
      kind: step.kind,
      name: step.name.length > 160 ? `${step.name.slice(0, 157)}…` : step.name,
      detail: step.tool ?? step.model,
      failed: step.failed,
      offset: start - t0,
      duration: stop === null ? null : Math.max(0, stop - start),
      rank: rankOf.get(step.id)!,
      loop: step.flagLoop,
      escalated: step.escalated,
      afterFailure: -1,
    });
    const kids = children.get(step.spanId) ?? [];
    for (let i = kids.length - 1; i >= 0; i--) stack.push({ step: kids[i]!, parent: items.length - 1, depth: depth + 1 });
  }
  // Steps caught in a parent cycle were never reached from a root: add them at the top.
  for (const s of timeOrder) {
    if (seen.has(s.id)) continue;
    seen.add(s.id);
    indexOf.set(s.id, items.length);
    const start = s.startedAt.getTime();
    items.push({
      id: s.id, parent: -1, depth: 0, kind: s.kind, name: s.name, detail: s.tool ?? s.model, failed: s.failed,
      offset: start - t0, duration: s.endedAt ? Math.max(0, s.endedAt.getTime() - start) : null, rank: rankOf.get(s.id)!,
      loop: s.flagLoop, escalated: s.escalated, afterFailure: -1,
    });
  }

  const failures: number[] = [];
  for (let r = 0; r < timeOrder.length; r++) {
    const s = timeOrder[r]!;
    if (s.kind !== "TOOL_CALL" || !s.failed) continue;
    const failedIndex = indexOf.get(s.id)!;
    failures.push(failedIndex);
    let marked = 0;
    for (let next = r + 1; next < timeOrder.length && marked < STEPS_AFTER_FAILURE; next++) {
      const candidate = timeOrder[next]!;
      // Its own children are part of the call, not a reaction to its failure.
      if (candidate.parentSpanId === s.spanId) continue;
      if (candidate.startedAt.getTime() < s.startedAt.getTime()) continue;
      const item = items[indexOf.get(candidate.id)!]!;
      if (item.afterFailure === -1) item.afterFailure = failedIndex;
      marked++;
    }
  }
  return { items, span: Math.max(1, end - t0), startedAt: new Date(t0).toISOString(), failures };
}

/** The causal chain of a step: its ancestors (nearest first), then the steps that started just before it. */
export function causalChain(items: TimelineItem[], index: number, preceding = 3): { ancestors: number[]; preceding: number[] } {
  const ancestors: number[] = [];
  const guard = new Set<number>();
  for (let p = items[index]?.parent ?? -1; p !== -1 && !guard.has(p); p = items[p]!.parent) {
    guard.add(p);
    ancestors.push(p);
  }
  const byRank = new Array<number>(items.length);
  items.forEach((item, i) => (byRank[item.rank] = i));
  const rank = items[index]?.rank ?? 0;
  const before: number[] = [];
  for (let r = rank - 1; r >= 0 && before.length < preceding; r--) {
    const i = byRank[r]!;
    if (!ancestors.includes(i)) before.push(i);
  }
  return { ancestors, preceding: before };
}
