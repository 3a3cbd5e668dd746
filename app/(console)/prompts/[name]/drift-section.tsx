/**
 * Instruction drift for one prompt: each version's calls, cost, errors, scores
 * and run outcomes over the last 30 days, the chart over time with the label
 * moves, and the A/B comparison of every label with a canary. Mounted by the
 * prompt page inside a <Suspense>; definitions live in lib/prompts/drift.ts.
 */
import Link from "next/link";
import { DriftChart, type DriftChartMarker, type DriftChartPoint } from "@/components/prompts/drift-chart";
import { Badge } from "@/components/ui/badge";
import { Card, CardHeader } from "@/components/ui/card";
import { Table, Td, Th } from "@/components/ui/table";
import {
  compareCanaryLabels,
  DEFAULT_WINDOW_DAYS,
  labelMoves,
  promptDriftSeries,
  promptVersionStats,
  resolveDriftWindow,
  type ArmComparison,
  type DriftWindow,
  type LabelMoveMarker,
  type PromptVersionStats,
} from "@/lib/prompts/drift";
import { formatPercent, formatProportion, type ComparisonVerdict, type MeanEstimate } from "@/lib/prompts/stats";
import { formatCost, formatTokens, formatUsd } from "@/lib/runs/format";

const TITLE = "Instruction drift";
const DESCRIPTION = `Last ${DEFAULT_WINDOW_DAYS} days, UTC. Calls are LLM calls naming this prompt; success rate is the share of its runs with a recorded outcome that succeeded, with a 95 % interval.`;

export async function DriftSection({ name }: { name: string }) {
  const window = resolveDriftWindow();
  const [stats, series, moves, comparisons] = await Promise.all([
    promptVersionStats(name, window),
    promptDriftSeries(name, { ...window, bucket: "day" }),
    labelMoves(name, window),
    compareCanaryLabels(name),
  ]);
  if (stats.length === 0) {
    return (
      <>
        <Card className="mt-6">
          <CardHeader title={TITLE} />
          <p className="px-5 py-6 text-sm text-slate-600" role="status">
            No LLM calls have used this prompt in the last {DEFAULT_WINDOW_DAYS} days.
          </p>
        </Card>
        {/* A split just started has no calls yet: its comparison still says what runs against what. */}
        {comparisons.map((c) => (
          <ComparisonCard key={c.label} comparison={c} />
        ))}
      </>
    );
  }
  const points: DriftChartPoint[] = series
    .filter((p): p is typeof p & { version: number } => p.version !== null)
    .map((p) => ({
      t: p.bucket.getTime(),
      version: p.version,
      calls: p.calls,
      errorRate: p.errorRate,
      meanScore: p.meanScore,
      successRate: p.successRate,
      scored: p.scored,
      runsWithOutcome: p.runsWithOutcome,
    }));
  const markers: DriftChartMarker[] = moves.map((m) => ({ t: m.movedAt.getTime(), text: moveText(m) }));
  return (
    <>
      <Card className="mt-6" data-testid="drift-section">
        <CardHeader title={TITLE} description={DESCRIPTION} />
        <VersionStatsTable name={name} stats={stats} window={window} />
        <div className="border-t border-slate-100 px-5 py-4">
          <h3 className="mb-2 text-sm font-semibold text-slate-800">Over time, per day</h3>
          <DriftChart points={points} markers={markers} bucket="day" from={window.from.getTime()} to={window.to.getTime()} />
        </div>
      </Card>
      {comparisons.map((c) => (
        <ComparisonCard key={c.label} comparison={c} />
      ))}
    </>
  );
}

/** The Suspense fallback, the section's shape while it loads. */
export function DriftSectionSkeleton() {
  return (
    <div className="mt-6 space-y-2 rounded-lg border border-slate-200 bg-white p-5" aria-busy="true" aria-label="Loading instruction drift">
      <div className="h-5 w-40 animate-pulse rounded bg-slate-200/70" />
      {[0, 1, 2].map((i) => (
        <div key={i} className="h-9 animate-pulse rounded bg-slate-200/60" />
      ))}
      <div className="h-72 animate-pulse rounded bg-slate-200/50" />
    </div>
  );
}

/** "production → v3", "production → v3, canary v4 at 10 %", "production removed". */
export function moveText(m: Pick<LabelMoveMarker, "label" | "version" | "canaryVersion" | "canaryWeight">): string {
  if (m.version === null) return `${m.label} removed`;
  const canary = m.canaryVersion !== null && m.canaryWeight ? `, canary v${m.canaryVersion} at ${m.canaryWeight} %` : "";
  return `${m.label} → v${m.version}${canary}`;
}

/**
 * The runs list filtered to one version's runs in the window. `prompt` and
 * `promptVersion` are not runs-list filters yet (lib/runs/schemas.ts): until
 * they are, the list drops them and shows the window's runs.
 */
function versionRunsHref(name: string, version: number, window: DriftWindow): string {
  const query = new URLSearchParams({ prompt: name, promptVersion: String(version), from: window.from.toISOString().slice(0, 16) });
  return `/runs?${query.toString()}`;
}

function VersionStatsTable({ name, stats, window }: { name: string; stats: PromptVersionStats[]; window: DriftWindow }) {
  return (
    <Table aria-label="Drift per version">
      <thead className="bg-slate-50">
        <tr>
          <Th>Version</Th>
          <Th className="text-right">Calls</Th>
          <Th className="text-right">Tokens</Th>
          <Th className="text-right">Cost</Th>
          <Th className="text-right">Unpriced</Th>
          <Th className="text-right">Error rate</Th>
          <Th className="text-right">Mean score</Th>
          <Th className="text-right">Success rate</Th>
          <Th className="text-right" title="Cost of the calls in runs with an outcome, divided by the successful runs">
            Cost / success
          </Th>
          <Th>
            <span className="sr-only">Runs</span>
          </Th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">
        {stats.map((s) => (
          <tr key={s.version ?? "none"} data-testid={`drift-row-${s.version ?? "none"}`}>
            <Td className="whitespace-nowrap font-medium text-slate-900">
              {s.version === null ? <span title="Calls that named the prompt without a version">No version</span> : `v${s.version}`}
            </Td>
            <Td className="text-right tabular-nums">{s.calls.toLocaleString("en-US")}</Td>
            <Td className="text-right tabular-nums">
              <Value>{formatTokens(s.inputTokens)} in</Value>
              <Detail>
                {formatTokens(s.outputTokens)} out, {formatTokens(s.cachedInputTokens)} cached
              </Detail>
            </Td>
            <Td className="text-right tabular-nums">
              <Value>{formatCost(s.costUsd, s.unpricedCalls)}</Value>
            </Td>
            <Td className="text-right tabular-nums">{s.unpricedCalls > 0 ? <span className="text-amber-800">{s.unpricedCalls.toLocaleString("en-US")}</span> : "0"}</Td>
            <Td className="text-right tabular-nums">
              <Value>{formatPercent(s.errorRate.rate, 1)}</Value>
              <Detail>
                {s.errors} of {s.calls} calls
              </Detail>
            </Td>
            <Td className="text-right tabular-nums">
              <MeanScore score={s.meanScore} />
            </Td>
            <Td className="text-right tabular-nums">
              <Value>{formatProportion(s.successRate)}</Value>
              <Detail>
                {s.successes} of {s.runsWithOutcome} runs{s.runs > s.runsWithOutcome ? `; ${s.runs - s.runsWithOutcome} without outcome` : ""}
              </Detail>
            </Td>
            <Td className="text-right tabular-nums">
              <Value>{s.costPerSuccessfulRun === null ? "—" : formatUsd(s.costPerSuccessfulRun)}</Value>
              {s.costPerRun !== null && <Detail>{formatUsd(s.costPerRun)} per run</Detail>}
            </Td>
            <Td className="whitespace-nowrap">
              {s.version !== null && (
                <Link href={versionRunsHref(name, s.version, window)} className="text-brand-700 hover:underline" aria-label={`Runs of v${s.version}`}>
                  Runs
                </Link>
              )}
            </Td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}

function Value({ children }: { children: React.ReactNode }) {
  return <span className="block whitespace-nowrap">{children}</span>;
}

function Detail({ children }: { children: React.ReactNode }) {
  return <span className="block text-xs font-normal text-slate-500">{children}</span>;
}

function MeanScore({ score }: { score: MeanEstimate }) {
  if (score.mean === null) return <>—</>;
  const interval = score.enough && score.low !== null && score.high !== null ? ` (${Math.round(score.low * 100)}–${formatPercent(score.high)})` : "";
  return (
    <>
      <Value>
        {formatPercent(score.mean)}
        {interval}
      </Value>
      <Detail>{score.enough ? `${score.n} scored` : `${score.n} scored, too few for an interval`}</Detail>
    </>
  );
}

const VERDICT_TONES: Record<ComparisonVerdict, { tone: "green" | "red" | "gray" | "amber"; label: string; box: string }> = {
  canary_better: { tone: "green", label: "Canary better", box: "border-emerald-200 bg-emerald-50 text-emerald-900" },
  canary_worse: { tone: "red", label: "Canary worse", box: "border-red-200 bg-red-50 text-red-900" },
  no_significant_difference: { tone: "gray", label: "No significant difference yet", box: "border-slate-200 bg-slate-50 text-slate-800" },
  too_few_runs: { tone: "amber", label: "Too few runs", box: "border-amber-200 bg-amber-50 text-amber-900" },
};

function ComparisonCard({ comparison: c }: { comparison: ArmComparison }) {
  const tone = VERDICT_TONES[c.verdict];
  const since = c.window.from.toISOString().slice(0, 16).replace("T", " ");
  const period = c.windowStart === "split" ? `since the split began (${since} UTC)` : `since ${since} UTC`;
  const arms = [c.control, c.canary];
  const rows: { label: string; value: (s: PromptVersionStats) => React.ReactNode }[] = [
    { label: "Calls", value: (s) => s.calls.toLocaleString("en-US") },
    { label: "Cost", value: (s) => formatCost(s.costUsd, s.unpricedCalls) },
    { label: "Cost / successful run", value: (s) => (s.costPerSuccessfulRun === null ? "—" : formatUsd(s.costPerSuccessfulRun)) },
    { label: "Error rate", value: (s) => `${formatProportion(s.errorRate)}` },
    { label: "Mean score", value: (s) => <MeanScore score={s.meanScore} /> },
    { label: "Runs with an outcome", value: (s) => s.runsWithOutcome.toLocaleString("en-US") },
    { label: "Success rate (95 % CI)", value: (s) => formatProportion(s.successRate) },
  ];
  return (
    <Card className="mt-6" data-testid={`ab-comparison-${c.label}`}>
      <CardHeader
        title={`A/B: ${c.label}`}
        description={`v${c.control.version} (control, ${c.control.weight} % of callers) against v${c.canary.version} (canary, ${c.canary.weight} %), ${period}.`}
        action={<Badge tone={tone.tone}>{tone.label}</Badge>}
      />
      <Table aria-label={`A/B comparison of ${c.label}`}>
        <thead className="bg-slate-50">
          <tr>
            <Th>
              <span className="sr-only">Measure</span>
            </Th>
            {arms.map((a) => (
              <Th key={a.role} className="text-right">
                v{a.version} ({a.role})
              </Th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {rows.map((r) => (
            <tr key={r.label}>
              <Th scope="row" className="text-xs normal-case tracking-normal text-slate-600">
                {r.label}
              </Th>
              {arms.map((a) => (
                <Td key={a.role} className="whitespace-nowrap text-right tabular-nums">
                  {r.value(a.stats)}
                </Td>
              ))}
            </tr>
          ))}
        </tbody>
      </Table>
      <div className={`m-5 rounded-md border px-4 py-3 text-sm ${tone.box}`} role="note" data-testid="ab-verdict">
        <p className="font-medium">{c.summary}</p>
        <p className="mt-1 text-xs">
          “Better” or “worse” needs the 95 % interval of the difference to exclude zero and at least {c.successRate.minPerArm} runs with an outcome in each arm.
        </p>
      </div>
    </Card>
  );
}
