/**
 * The demo data generator: realistic operations of four teams over the last
 * D days, deterministic for a seed (and a fixed `now`), emitted as OTLP/JSON
 * ExportTraceServiceRequests in batches, the way agents' exporters send them
 * (finished spans only, children before their parent, a run's spans
 * sometimes split across requests). Pure: sending is in ./send.ts.
 */
import { judgeEvaluation, type DemoEvaluation } from "./judge";
import { otlpRequest, type DemoResource, type DemoSpan, type OtlpJsonRequest } from "./otlp";
import { Rng } from "./prng";
import { RunBuilder } from "./run-builder";
import { AGENTS, FLOWS, VARIANT_AGENTS, VARIANTS, type AgentKey, type Variant } from "./scenarios";

export interface DemoOptions {
  runs: number;
  /** Spread runs over the last `days` days (default 30). */
  days?: number;
  seed?: number;
  /** "Now" in ms; fixed in tests so the output is the same on every run. */
  now?: number;
}

export interface DemoRun {
  index: number;
  agent: AgentKey;
  variant: Variant;
  traceId: string;
  startMs: number;
  resource: DemoResource;
  /** In export order: children as they end, the root (when the run ended) last. */
  spans: DemoSpan[];
}

export const DEFAULT_SEED = 20_251_124;
export const DEFAULT_DAYS = 30;
const MINUTE = 60_000;

/** Every demo of at least this many runs shows each of these at least once (two pending clearances). */
export const GUARANTEED_VARIANTS: readonly Variant[] = [
  "loop",
  "stalled",
  "escalation_pending",
  "retry",
  "fallback",
  "wrong_inference",
  "escalation_approved",
  "escalation_rejected",
  "good_text_bad_outcome",
  "bad_text_good_outcome",
  "escalation_pending",
];

const VARIANT_WEIGHTS: readonly (readonly [Variant, number])[] = [
  ["normal", 62],
  ["retry", 8],
  ["fallback", 6],
  ["wrong_inference", 4],
  ["loop", 1],
  ["escalation_approved", 5],
  ["escalation_rejected", 2],
  ["good_text_bad_outcome", 5],
  ["bad_text_good_outcome", 5],
];

const AGENT_WEIGHTS: Record<AgentKey, number> = { invoice: 3, supplier: 2, tickets: 4, kpi: 2 };

interface RunPlan {
  index: number;
  agent: AgentKey;
  variant: Variant;
  startMs: number;
  seed: number;
}

function pickAgent(rng: Rng, variant: Variant): AgentKey {
  return rng.weighted(VARIANT_AGENTS[variant].map((a) => [a, AGENT_WEIGHTS[a]] as const));
}

/** Office hours on weekdays for people-facing agents; the KPI monitor runs around the clock. */
function plausibleStart(rng: Rng, agent: AgentKey, from: number, to: number): number {
  for (let attempt = 0; attempt < 20; attempt++) {
    const t = from + Math.floor(rng.next() * (to - from));
    if (agent === "kpi") return t;
    const d = new Date(t);
    const hour = d.getUTCHours();
    const weekend = d.getUTCDay() === 0 || d.getUTCDay() === 6;
    const p = (hour >= 7 && hour < 18 ? 1 : 0.12) * (weekend ? 0.25 : 1);
    if (rng.chance(p)) return t;
  }
  return from + Math.floor(rng.next() * (to - from));
}

/** Who runs when, in start order. Cheap: spans are built later, one run at a time. */
export function planRuns(options: DemoOptions): RunPlan[] {
  const seed = options.seed ?? DEFAULT_SEED;
  const now = options.now ?? Date.now();
  const days = options.days ?? DEFAULT_DAYS;
  const rng = new Rng(seed);
  const from = now - days * 24 * 60 * MINUTE;
  const to = now - 45 * MINUTE;
  const plans: RunPlan[] = [];
  for (let index = 0; index < options.runs; index++) {
    // The main stream picks only what does not depend on `now`, so a seed gives the same trace ids on any day.
    const variant = index < GUARANTEED_VARIANTS.length ? GUARANTEED_VARIANTS[index]! : rng.weighted(VARIANT_WEIGHTS);
    const agent = pickAgent(rng, variant);
    const runSeed = rng.uint32();
    const when = new Rng(runSeed ^ 0x5bd1e995);
    let startMs: number;
    // A stall is visible only some time after the last span; a pending clearance is recent.
    if (variant === "stalled") startMs = now - when.int(40, 150) * MINUTE;
    else if (variant === "escalation_pending") startMs = now - when.int(3, 25) * MINUTE;
    else startMs = plausibleStart(when, agent, from, Math.max(from + MINUTE, to));
    plans.push({ index, agent, variant, startMs, seed: runSeed });
  }
  return plans.sort((a, b) => a.startMs - b.startMs || a.index - b.index);
}

export function buildRun(plan: RunPlan, options: DemoOptions): DemoRun {
  const now = options.now ?? Date.now();
  const days = options.days ?? DEFAULT_DAYS;
  const rng = new Rng(plan.seed);
  // Ids come from a stream of their own: the n-th span of a run keeps its id even if the content differs a little.
  const ids = new Rng(plan.seed ^ 0x27d4eb2f);
  const agent = AGENTS[plan.agent];
  const traceId = ids.hex(16);
  const conversationId = `conv_${ids.hex(6)}`;
  const builder = new RunBuilder(rng, ids, agent, traceId, plan.startMs, conversationId, `${plan.agent}:${plan.variant}`);
  const progress = Math.min(1, Math.max(0, 1 - (now - plan.startMs) / (days * 24 * 60 * MINUTE)));
  FLOWS[plan.agent]({ rng, run: builder, variant: plan.variant, progress });

  let spans = builder.exported();
  // Nothing may end in the future: shift a run that would overrun `now` back in time.
  const lastEnd = Math.max(...spans.map((s) => s.endMs));
  const margin = plan.variant === "stalled" ? 35 * MINUTE : 5_000;
  if (lastEnd > now - margin) {
    const shift = lastEnd - (now - margin);
    spans = spans.map((s) => ({
      ...s,
      startMs: s.startMs - shift,
      endMs: s.endMs - shift,
      events: s.events?.map((e) => ({ ...e, timeMs: e.timeMs - shift })),
    }));
  }
  // Exporters send spans as they end: children first, the root last.
  spans.sort((a, b) => (a.parentSpanId === null ? 1 : 0) - (b.parentSpanId === null ? 1 : 0) || a.endMs - b.endMs);
  return {
    index: plan.index,
    agent: plan.agent,
    variant: plan.variant,
    traceId,
    startMs: Math.min(...spans.map((s) => s.startMs)),
    resource: {
      "service.name": agent.name,
      "service.version": agent.version,
      "deployment.environment.name": "production",
      "flightdeck.team": agent.team,
    },
    spans,
  };
}

export function* generateRuns(options: DemoOptions): Generator<DemoRun> {
  for (const plan of planRuns(options)) yield buildRun(plan, options);
}

export interface DemoBatch {
  request: OtlpJsonRequest;
  spans: number;
  /** Runs whose last span is in this batch. */
  runsCompleted: number;
  /** A judge's scores of those runs' answers, sent after the spans (native ingest). */
  evaluations: DemoEvaluation[];
}

/**
 * OTLP/JSON requests of about `spansPerRequest` spans each. A run's spans may
 * be split across two requests, as with real exporters' batch processors.
 */
export function* demoBatches(options: DemoOptions, spansPerRequest = 500): Generator<DemoBatch> {
  let groups = new Map<string, { resource: DemoResource; spans: DemoSpan[] }>();
  let count = 0;
  let runsCompleted = 0;
  let evaluations: DemoEvaluation[] = [];
  const flush = (): DemoBatch => {
    const batch = { request: otlpRequest([...groups.values()]), spans: count, runsCompleted, evaluations };
    groups = new Map();
    count = 0;
    runsCompleted = 0;
    evaluations = [];
    return batch;
  };
  for (const run of generateRuns(options)) {
    const key = run.resource["service.name"];
    for (const [i, span] of run.spans.entries()) {
      let group = groups.get(key);
      if (!group) groups.set(key, (group = { resource: run.resource, spans: [] }));
      group.spans.push(span);
      count += 1;
      if (i === run.spans.length - 1) {
        runsCompleted += 1;
        const evaluation = judgeEvaluation(run);
        if (evaluation) evaluations.push(evaluation);
      }
      if (count >= spansPerRequest) yield flush();
    }
  }
  if (count > 0) yield flush();
}

export { VARIANTS };
export type { Variant, AgentKey };
