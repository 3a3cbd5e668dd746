"use client";
/**
 * A budget's burn-down: what is left of the month's limit at the end of each
 * day (UTC), actual up to today and projected at the current rate after it,
 * against zero. One image for assistive technology (its label sums it up);
 * the numbers are beside it on the card.
 */
import { CartesianGrid, Line, LineChart, ReferenceLine, Tooltip, XAxis, YAxis } from "recharts";
import { formatUsd } from "@/lib/runs/format";

export interface BurnDownChartPoint {
  day: string;
  actual: number | null;
  projected: number | null;
}

export function BurnDownChart({ points, summary }: { points: BurnDownChartPoint[]; summary: string }) {
  return (
    <div role="img" aria-label={summary} className="h-48 w-full" data-testid="burn-down-chart">
      <LineChart data={points} responsive style={{ width: "100%", height: "100%" }} margin={{ top: 8, right: 12, bottom: 0, left: 8 }} accessibilityLayer={false}>
        <CartesianGrid stroke="#e2e8f0" strokeDasharray="3 3" />
        <XAxis dataKey="day" tickFormatter={(d: string) => d.slice(8)} tick={{ fill: "#475569", fontSize: 11 }} stroke="#94a3b8" interval="preserveStartEnd" />
        <YAxis tickFormatter={(v: number) => formatUsd(v)} tick={{ fill: "#475569", fontSize: 11 }} stroke="#94a3b8" width={72} />
        <Tooltip labelFormatter={(d) => `${String(d)} (UTC)`} formatter={(value, name) => [typeof value === "number" ? formatUsd(value) : "—", name === "actual" ? "Left (actual)" : "Left (projected)"]} />
        <ReferenceLine y={0} stroke="#b91c1c" strokeDasharray="4 3" />
        <Line type="linear" dataKey="actual" name="actual" stroke="#2144b5" strokeWidth={2} dot={false} isAnimationActive={false} connectNulls={false} />
        <Line type="linear" dataKey="projected" name="projected" stroke="#b45309" strokeWidth={2} strokeDasharray="6 3" dot={false} isAnimationActive={false} connectNulls={false} />
      </LineChart>
    </div>
  );
}
