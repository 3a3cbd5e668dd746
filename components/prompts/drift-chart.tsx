"use client";
/**
 * A prompt's versions over time (lib/prompts/drift.ts), one line per version
 * for the chosen metric, with a vertical marker at each label move so a
 * change for the worse sits next to the move that caused it. The picture is
 * one image for assistive technology (its label sums it up); the same numbers
 * are in a table below it.
 */
import { useId, useMemo, useState } from "react";
import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, Tooltip, XAxis, YAxis } from "recharts";
import { Table, Td, Th } from "@/components/ui/table";

export interface DriftChartPoint {
  /** Bucket start, epoch ms (UTC). */
  t: number;
  version: number;
  calls: number;
  errorRate: number | null;
  meanScore: number | null;
  successRate: number | null;
  scored: number;
  runsWithOutcome: number;
}

export interface DriftChartMarker {
  /** Epoch ms. */
  t: number;
  /** e.g. "production → v3". */
  text: string;
}

export interface DriftChartProps {
  points: DriftChartPoint[];
  markers: DriftChartMarker[];
  bucket: "day" | "hour";
  /** Window, epoch ms. */
  from: number;
  to: number;
}

type Metric = "successRate" | "errorRate" | "meanScore" | "calls";

const count = (n: number, one: string, many: string) => `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;

type Domain = [number, number | "auto" | ((dataMax: number) => number)];

const METRICS: Record<Metric, { label: string; percent: boolean; domain: Domain; basis: (p: DriftChartPoint) => string }> = {
  successRate: { label: "Success rate", percent: true, domain: [0, 1], basis: (p) => count(p.runsWithOutcome, "run with an outcome", "runs with an outcome") },
  // Error rates are usually small: the axis grows with them (at least 0–10 %) so a rise is visible.
  errorRate: { label: "Error rate", percent: true, domain: [0, (max) => Math.min(1, Math.max(0.1, max * 1.1))], basis: (p) => count(p.calls, "call", "calls") },
  meanScore: { label: "Mean score", percent: true, domain: [0, 1], basis: (p) => count(p.scored, "scored call", "scored calls") },
  calls: { label: "Calls", percent: false, domain: [0, "auto"], basis: () => "" },
};
const METRIC_ORDER: Metric[] = ["successRate", "errorRate", "meanScore", "calls"];

// Each at least 4.5:1 on white, told apart by dash pattern too (not by colour alone).
const SERIES_STYLES = [
  { color: "#2144b5", dash: undefined },
  { color: "#b45309", dash: "6 3" },
  { color: "#047857", dash: "2 3" },
  { color: "#7e22ce", dash: "10 3 2 3" },
  { color: "#be123c", dash: "4 4" },
  { color: "#0e7490", dash: "12 4" },
  { color: "#4d7c0f", dash: "2 6" },
  { color: "#334155", dash: "8 2 2 2 2 2" },
] as const;
/** More lines than this stop being readable: the newest versions are drawn, the table has them all. */
const MAX_LINES = SERIES_STYLES.length;

const valueOf = (p: DriftChartPoint, metric: Metric): number | null => (metric === "calls" ? p.calls : p[metric]);

function formatValue(value: number | null, metric: Metric): string {
  if (value === null) return "—";
  return METRICS[metric].percent ? `${Math.round(value * 100)} %` : value.toLocaleString("en-US");
}

/** UTC, the same on server and client. */
function formatBucket(t: number, bucket: "day" | "hour"): string {
  const iso = new Date(t).toISOString();
  return bucket === "day" ? iso.slice(0, 10) : `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}

function formatTick(t: number, bucket: "day" | "hour"): string {
  const iso = new Date(t).toISOString();
  return bucket === "day" ? iso.slice(5, 10) : `${iso.slice(5, 10)} ${iso.slice(11, 13)}h`;
}

export function DriftChart({ points, markers, bucket, from, to }: DriftChartProps) {
  const [metric, setMetric] = useState<Metric>("successRate");
  const groupName = useId();
  const versions = useMemo(() => [...new Set(points.map((p) => p.version))].sort((a, b) => b - a), [points]);
  const drawn = versions.slice(0, MAX_LINES);
  const rows = useMemo(() => chartRows(points, metric, bucket), [points, metric, bucket]);
  const start = Math.min(from, ...points.map((p) => p.t));
  const { label, percent } = METRICS[metric];

  return (
    <div className="space-y-3">
      <fieldset className="flex flex-wrap items-center gap-x-1 gap-y-2">
        <legend className="sr-only">Metric to chart</legend>
        {METRIC_ORDER.map((m) => (
          <label
            key={m}
            className="cursor-pointer rounded-md border border-slate-300 px-2.5 py-1 text-sm text-slate-700 has-[:checked]:border-brand-700 has-[:checked]:bg-brand-50 has-[:checked]:font-medium has-[:checked]:text-brand-700 has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-offset-2 has-[:focus-visible]:outline-brand-500"
          >
            <input type="radio" name={groupName} value={m} checked={metric === m} onChange={() => setMetric(m)} className="sr-only" />
            {METRICS[m].label}
          </label>
        ))}
      </fieldset>

      <div role="img" aria-label={chartSummary(points, markers, drawn, metric, bucket)} className="h-72 w-full" data-testid="drift-chart">
        <LineChart data={rows} responsive style={{ width: "100%", height: "100%" }} margin={{ top: 28, right: 16, bottom: 4, left: 0 }} accessibilityLayer={false}>
          <CartesianGrid stroke="#e2e8f0" strokeDasharray="3 3" />
          <XAxis
            dataKey="t"
            type="number"
            scale="time"
            domain={[start, to]}
            tickFormatter={(t: number) => formatTick(t, bucket)}
            tick={{ fill: "#475569", fontSize: 12 }}
            stroke="#94a3b8"
          />
          <YAxis
            domain={METRICS[metric].domain}
            tickFormatter={(v: number) => (percent ? `${Number((v * 100).toFixed(1))} %` : v.toLocaleString("en-US"))}
            tick={{ fill: "#475569", fontSize: 12 }}
            stroke="#94a3b8"
            width={48}
            allowDecimals={percent}
          />
          <Tooltip
            labelFormatter={(t) => (typeof t === "number" ? `${formatBucket(t, bucket)} UTC` : t)}
            formatter={(value) => formatValue(typeof value === "number" ? value : null, metric)}
          />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          {markers.map((m, i) => (
            <ReferenceLine
              key={`${m.t}-${i}`}
              x={m.t}
              stroke="#475569"
              strokeDasharray="4 3"
              label={{ value: m.text, position: i % 2 === 0 ? "insideTopRight" : "insideBottomRight", fill: "#334155", fontSize: 11 }}
            />
          ))}
          {drawn.map((v, i) => {
            const style = SERIES_STYLES[i]!;
            return (
              <Line
                key={v}
                type="linear"
                dataKey={`v${v}`}
                name={`v${v}`}
                stroke={style.color}
                strokeDasharray={style.dash}
                strokeWidth={2}
                dot={{ r: 2.5, fill: style.color, strokeWidth: 0 }}
                connectNulls
                isAnimationActive={false}
              />
            );
          })}
        </LineChart>
      </div>
      {versions.length > MAX_LINES && (
        <p className="text-xs text-slate-500">
          The chart draws the {MAX_LINES} newest versions; the table has all {versions.length}.
        </p>
      )}

      <details className="text-sm">
        <summary className="cursor-pointer text-slate-600 hover:text-slate-900">
          {label} as a table ({points.length} {bucket === "day" ? "day" : "hour"}-version rows, UTC)
        </summary>
        <Table aria-label={`${label} per ${bucket} and version`} className="mt-2">
          <thead className="bg-slate-50">
            <tr>
              <Th>{bucket === "day" ? "Day" : "Hour"} (UTC)</Th>
              <Th>Version</Th>
              <Th>{label}</Th>
              {metric !== "calls" && <Th>Based on</Th>}
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {tableRows(points, markers).map((row) =>
              row.kind === "point" ? (
                <tr key={`p-${row.p.t}-${row.p.version}`}>
                  <Td className="whitespace-nowrap">{formatBucket(row.p.t, bucket)}</Td>
                  <Td>v{row.p.version}</Td>
                  <Td>{formatValue(valueOf(row.p, metric), metric)}</Td>
                  {metric !== "calls" && <Td className="text-xs text-slate-500">{METRICS[metric].basis(row.p)}</Td>}
                </tr>
              ) : (
                <tr key={`m-${row.m.t}-${row.i}`} className="bg-slate-50">
                  <Td className="whitespace-nowrap">{formatBucket(row.m.t, "hour")}</Td>
                  <Td colSpan={metric !== "calls" ? 3 : 2} className="font-medium text-slate-800">
                    Label move: {row.m.text}
                  </Td>
                </tr>
              ),
            )}
          </tbody>
        </Table>
      </details>
    </div>
  );
}

const BUCKET_MS = { day: 86_400_000, hour: 3_600_000 } as const;

/**
 * One row per bucket with a value per version. A rate with no runs or calls is
 * a gap (no data), but no calls is a count of 0: for calls, every bucket
 * between a version's first and last is filled, so a quiet day reads as 0.
 */
function chartRows(points: DriftChartPoint[], metric: Metric, bucket: "day" | "hour"): Record<string, number | null>[] {
  const byTime = new Map<number, Record<string, number | null>>();
  const rowAt = (t: number) => {
    const row = byTime.get(t) ?? { t };
    byTime.set(t, row);
    return row;
  };
  for (const p of points) rowAt(p.t)[`v${p.version}`] = valueOf(p, metric);
  if (metric === "calls") {
    const spans = new Map<number, { first: number; last: number }>();
    for (const p of points) {
      const span = spans.get(p.version);
      spans.set(p.version, span ? { first: Math.min(span.first, p.t), last: Math.max(span.last, p.t) } : { first: p.t, last: p.t });
    }
    for (const [version, { first, last }] of spans) {
      for (let t = first; t <= last; t += BUCKET_MS[bucket]) {
        const row = rowAt(t);
        row[`v${version}`] ??= 0;
      }
    }
  }
  return [...byTime.values()].sort((a, b) => a.t! - b.t!);
}

type TableRow = { kind: "point"; t: number; p: DriftChartPoint } | { kind: "marker"; t: number; m: DriftChartMarker; i: number };

/** Points and label moves in time order, a move before the bucket that starts at the same instant. */
function tableRows(points: DriftChartPoint[], markers: DriftChartMarker[]): TableRow[] {
  const rows: TableRow[] = [...points.map((p) => ({ kind: "point" as const, t: p.t, p })), ...markers.map((m, i) => ({ kind: "marker" as const, t: m.t, m, i }))];
  return rows.sort((a, b) => a.t - b.t || (a.kind === b.kind ? 0 : a.kind === "marker" ? -1 : 1));
}

/** What the picture shows, in a sentence or three: each drawn version's latest value and the moves. */
function chartSummary(points: DriftChartPoint[], markers: DriftChartMarker[], drawn: number[], metric: Metric, bucket: "day" | "hour"): string {
  const { label } = METRICS[metric];
  const latest = drawn.map((v) => {
    const last = points.filter((p) => p.version === v && valueOf(p, metric) !== null).at(-1);
    return last ? `v${v} ${formatValue(valueOf(last, metric), metric)} on ${formatBucket(last.t, bucket)}` : `v${v} no data`;
  });
  const moves = markers.length ? ` Label moves: ${markers.map((m) => `${m.text} on ${formatBucket(m.t, "hour")} UTC`).join("; ")}.` : " No label moves in this period.";
  return `${label} per ${bucket} by prompt version. Latest: ${latest.join(", ") || "no data"}.${moves} The table below has every value.`;
}
