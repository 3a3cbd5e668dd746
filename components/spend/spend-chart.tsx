"use client";
/**
 * Cost per UTC day, stacked by the chosen group (its top groups and "Other").
 * A click on a bar opens the runs behind it; the same drill-down is a link
 * per day in the table under the chart, for keyboards and screen readers (the
 * picture itself is one image, summed up by its label).
 */
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useMemo } from "react";
import { Bar, BarChart, CartesianGrid, Legend, Tooltip, XAxis, YAxis } from "recharts";
import { Table, Td, Th } from "@/components/ui/table";
import type { SpendChart as SpendChartData } from "@/lib/spend/report";
import { runsLinkFor, type SpendQuery } from "@/lib/spend/report-schema";
import { formatSpendUsd } from "./format";

// Distinct on white and from each other; "Other" is grey.
const COLORS = ["#2144b5", "#b45309", "#047857", "#7e22ce", "#be123c", "#0e7490"] as const;
const OTHER_COLOR = "#94a3b8";

export interface SpendChartProps extends SpendChartData {
  query: SpendQuery;
  /** "team", "model"…: what the stacks are. */
  groupNoun: string;
}

export function SpendChart({ query, series, days, groupNoun }: SpendChartProps) {
  const router = useRouter();
  const rows = useMemo(() => days.map((d) => ({ day: d.day, ...Object.fromEntries(series.map((s) => [s.id, d.costs[s.id] ?? 0])) })), [days, series]);
  const colorOf = (id: string, i: number) => (id === "other" ? OTHER_COLOR : COLORS[i % COLORS.length]!);
  const segmentHref = (day: string, ref: (typeof series)[number]["ref"]) => runsLinkFor({ ...query, from: day, to: day }, ref ?? undefined).href;
  const dayHref = (day: string) => runsLinkFor({ ...query, from: day, to: day }).href;
  const stacked = query.groupBy !== "day";

  return (
    <div className="space-y-3">
      <div role="img" aria-label={chartSummary(series, days, groupNoun, stacked)} className="h-72 w-full" data-testid="spend-chart">
        <BarChart data={rows} responsive style={{ width: "100%", height: "100%" }} margin={{ top: 8, right: 16, bottom: 4, left: 8 }} accessibilityLayer={false}>
          <CartesianGrid stroke="#e2e8f0" strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="day" tickFormatter={(d: string) => d.slice(5)} tick={{ fill: "#475569", fontSize: 12 }} stroke="#94a3b8" minTickGap={12} />
          <YAxis tickFormatter={(v: number) => formatSpendUsd(v)} tick={{ fill: "#475569", fontSize: 12 }} stroke="#94a3b8" width={72} />
          <Tooltip labelFormatter={(d) => `${String(d)} (UTC)`} formatter={(value) => formatSpendUsd(typeof value === "number" ? value : 0)} />
          {stacked && <Legend wrapperStyle={{ fontSize: 12 }} />}
          {series.map((s, i) => (
            <Bar
              key={s.id}
              dataKey={s.id}
              name={s.label}
              stackId="cost"
              fill={colorOf(s.id, i)}
              cursor="pointer"
              isAnimationActive={false}
              onClick={(_, index) => {
                const day = rows[index]?.day;
                if (day) router.push(segmentHref(day, s.ref));
              }}
            />
          ))}
        </BarChart>
      </div>
      <p className="text-xs text-slate-500">Click a bar for the runs of that day{stacked ? ` and ${groupNoun}` : ""}.</p>
      <details className="text-sm">
        <summary className="cursor-pointer text-slate-600 hover:text-slate-900">Cost per day as a table ({days.length} UTC days)</summary>
        <Table aria-label="Cost per day" className="mt-2">
          <thead className="bg-slate-50">
            <tr>
              <Th>Day (UTC)</Th>
              {series.map((s) => (
                <Th key={s.id} className="text-right">
                  {s.label}
                </Th>
              ))}
              <Th>
                <span className="sr-only">Runs</span>
              </Th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {days.map((d) => (
              <tr key={d.day}>
                <Td className="whitespace-nowrap">{d.day}</Td>
                {series.map((s) => (
                  <Td key={s.id} className="text-right tabular-nums">
                    {formatSpendUsd(d.costs[s.id] ?? 0)}
                  </Td>
                ))}
                <Td>
                  <Link href={dayHref(d.day)} className="text-brand-700 hover:underline" aria-label={`Runs of ${d.day}`}>
                    Runs
                  </Link>
                </Td>
              </tr>
            ))}
          </tbody>
        </Table>
      </details>
    </div>
  );
}

/** The picture in a sentence: the range, what is stacked, the costliest day and the groups drawn. */
function chartSummary(series: SpendChartData["series"], days: SpendChartData["days"], groupNoun: string, stacked: boolean): string {
  const totals = days.map((d) => ({ day: d.day, cost: Object.values(d.costs).reduce((a, b) => a + b, 0) }));
  const peak = totals.reduce<{ day: string; cost: number } | null>((best, d) => (!best || d.cost > best.cost ? d : best), null);
  const range = days.length ? `${days[0]!.day} to ${days.at(-1)!.day} (UTC)` : "no days";
  const stacks = stacked ? ` Stacked by ${groupNoun}: ${series.map((s) => s.label).join(", ") || "nothing"}.` : "";
  const top = peak && peak.cost > 0 ? ` The costliest day was ${peak.day} at ${formatSpendUsd(peak.cost)}.` : " No priced spend.";
  return `Cost per day, ${range}.${stacks}${top} The table below the chart has every value.`;
}
