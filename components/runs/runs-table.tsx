"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useMemo } from "react";
import { Table, Td, Th } from "@/components/ui/table";
import { Time } from "@/components/ui/time";
import { fetchJson } from "@/lib/fetch-json";
import { formatCost, formatDuration, formatScore, formatTokens, runTitle } from "@/lib/runs/format";
import type { RunListItem } from "@/lib/runs/queries";
import { RunFlags, RunStatusBadge } from "./badges";

export const LIVE_REFRESH_MS = 5_000;

async function fetchLive(ids: string[]): Promise<RunListItem[]> {
  const body = await fetchJson<{ runs: RunListItem[] }>(`/runs/live?ids=${ids.map(encodeURIComponent).join(",")}`, { fallbackMessage: "Live refresh failed" });
  return body.runs;
}

/** The list; rows of running runs are refreshed in place every few seconds. */
export function RunsTable({ runs }: { runs: RunListItem[] }) {
  const runningIds = useMemo(() => runs.filter((r) => r.status === "RUNNING").map((r) => r.id), [runs]);
  const live = useQuery({
    queryKey: ["runs-live", runningIds],
    queryFn: () => fetchLive(runningIds),
    enabled: runningIds.length > 0,
    refetchInterval: LIVE_REFRESH_MS,
  });
  const fresh = useMemo(() => new Map((live.data ?? []).map((r) => [r.id, r])), [live.data]);
  const rows = runs.map((r) => fresh.get(r.id) ?? r);

  return (
    <Table>
      <thead className="bg-slate-50">
        <tr>
          <Th>Run</Th>
          <Th>Agent · team</Th>
          <Th>Status</Th>
          <Th>Started (UTC) · took</Th>
          <Th className="text-right">Steps</Th>
          <Th className="text-right">Tokens</Th>
          <Th className="text-right">Cost</Th>
          <Th>Output · outcome</Th>
          <Th>Flags</Th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">
        {rows.map((r) => (
          <tr key={r.id} data-testid="run-row" data-run-id={r.id} className="hover:bg-slate-50">
            <Td className="max-w-64">
              <Link href={`/runs/${r.id}`} className="font-medium text-brand-700 hover:underline">
                {runTitle(r)}
              </Link>
              <div className="truncate font-mono text-[11px] text-slate-500">{r.traceId}</div>
            </Td>
            <Td className="whitespace-nowrap">
              <div>{r.agent ?? <span className="text-slate-500">unknown agent</span>}</div>
              <div className="text-xs text-slate-500">{r.team ?? "no team"}</div>
            </Td>
            <Td>
              <RunStatusBadge status={r.status} />
            </Td>
            <Td className="whitespace-nowrap text-xs">
              <Time value={r.startedAt} />
              <div className="tabular-nums text-slate-500">
                {formatDuration((r.endedAt ? Date.parse(r.endedAt) : Date.parse(r.lastStepAt)) - Date.parse(r.startedAt))}
                {!r.endedAt && " so far"}
              </div>
            </Td>
            <Td className="text-right tabular-nums">
              {formatTokens(r.stepCount)}
              {r.failedStepCount > 0 && <div className="text-xs text-red-600">{formatTokens(r.failedStepCount)} failed</div>}
            </Td>
            <Td className="text-right tabular-nums">{formatTokens(r.inputTokens + r.outputTokens)}</Td>
            <Td className="whitespace-nowrap text-right tabular-nums" data-testid="run-cost">
              {formatCost(r.costUsd, r.unpricedCount)}
            </Td>
            <Td className="whitespace-nowrap text-xs">
              <span title="Output quality">{formatScore(r.outputScore)}</span> ·{" "}
              <span className={r.outcome === "FAILURE" ? "text-red-700" : r.outcome === "SUCCESS" ? "text-emerald-700" : "text-slate-500"}>
                {r.outcome.toLowerCase()}
              </span>
            </Td>
            <Td>
              <RunFlags flags={r.flags} />
            </Td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}
