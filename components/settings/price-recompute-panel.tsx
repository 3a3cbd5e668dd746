"use client";
/**
 * Settings › Model prices › Unpriced calls: how many stored LLM calls have no
 * price (by model), the re-pricings queued or running with their progress,
 * polled while they run, or else the last one with its result.
 */
import { useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect, useId, useRef } from "react";
import { fetchJson } from "@/lib/fetch-json";
import { formatUsd } from "@/lib/runs/format";
import type { PriceRecomputeJson } from "@/lib/spend/prices/schemas";
import { callsText, StartPriceRecompute } from "./price-recompute-start";

export const RECOMPUTE_POLL_MS = 1_000;

export interface PriceRecomputeOverviewItem {
  active: PriceRecomputeJson[];
  latest: PriceRecomputeJson | null;
  unpriced: { calls: number; models: { model: string | null; calls: number; priced: boolean }[] };
}

const count = (n: number) => n.toLocaleString("en-US");
const finished = (r: PriceRecomputeJson) => r.status === "DONE" || r.status === "FAILED";
const scope = (r: PriceRecomputeJson) => (r.matchPattern === null ? "all unpriced calls" : `“${r.matchPattern}”`);

/** "1,234 calls re-priced, $12.34 added; 3 still unpriced." */
export function recomputeResultText(r: PriceRecomputeJson): string {
  const repriced = `${count(r.repriced)} call${r.repriced === 1 ? "" : "s"} re-priced, ${formatUsd(r.addedUsd)} added`;
  if (r.status === "FAILED") return `Re-pricing ${scope(r)} failed after ${count(r.done)} of ${count(r.total)} calls (${repriced}): ${r.error ?? "unknown error"}`;
  return `${repriced}; ${count(r.stillUnpriced)} still unpriced.`;
}

function RecomputeProgress({ initial }: { initial: PriceRecomputeJson }) {
  const router = useRouter();
  const labelId = useId();
  const live = useQuery({
    queryKey: ["price-recompute", initial.id],
    queryFn: async () => (await fetchJson<{ recompute: PriceRecomputeJson }>(`/settings/price-recomputes/${initial.id}`, { fallbackMessage: "Progress refresh failed" })).recompute,
    initialData: initial,
    refetchInterval: (query) => (query.state.data && finished(query.state.data) ? false : RECOMPUTE_POLL_MS),
  });
  // The section re-read after the job's last batch: take its finished state rather than wait for the next poll.
  const r = finished(initial) && !finished(live.data) ? initial : live.data;
  const done = finished(r);
  // When it finishes here (not when the page opens on a finished one), the section re-reads the unpriced counts.
  const watching = useRef(!done);
  useEffect(() => {
    if (done && watching.current) {
      watching.current = false;
      router.refresh();
    }
  }, [done, router]);
  const percent = r.total > 0 ? Math.min(100, Math.round((r.done / r.total) * 100)) : done ? 100 : 0;
  return (
    <div className="space-y-1.5" data-testid="price-recompute-progress" data-recompute-id={r.id}>
      <div className="flex items-baseline justify-between gap-3 text-sm">
        <span id={labelId} className="font-medium text-slate-800">
          {r.status === "QUEUED" ? "Queued: re-pricing" : r.status === "RUNNING" ? "Re-pricing" : r.status === "DONE" ? "Re-priced" : "Failed re-pricing"} {scope(r)}
        </span>
        <span className="tabular-nums text-slate-600" data-testid="price-recompute-count">
          {count(r.done)} of {count(r.total)} calls
        </span>
      </div>
      <div
        role="progressbar"
        aria-labelledby={labelId}
        aria-valuemin={0}
        aria-valuemax={r.total}
        aria-valuenow={Math.min(r.done, r.total)}
        aria-valuetext={`${count(r.done)} of ${count(r.total)} calls`}
        className="h-2 overflow-hidden rounded-full bg-slate-100"
      >
        <div className="h-full rounded-full bg-brand-600 transition-[width]" style={{ width: `${percent}%` }} />
      </div>
      <div aria-live="polite" className="min-h-5 text-sm">
        {done ? (
          <p role="status" className={r.status === "FAILED" ? "text-red-700" : "text-emerald-700"} data-testid="price-recompute-result">
            {recomputeResultText(r)} <span className="text-xs text-slate-500">Requested by {r.requestedByName}.</span>
          </p>
        ) : (
          <p className="text-xs text-slate-500">
            {count(r.repriced)} re-priced so far, {formatUsd(r.addedUsd)} added. Requested by {r.requestedByName}.
          </p>
        )}
      </div>
      {live.isError && <p className="text-xs text-red-600">{live.error.message}</p>}
    </div>
  );
}

export function PriceRecomputePanel({ overview }: { overview: PriceRecomputeOverviewItem }) {
  const headingId = useId();
  const { active, latest, unpriced } = overview;
  return (
    <section aria-labelledby={headingId} className="space-y-3 border-t border-slate-100 px-5 py-4" data-testid="unpriced-calls">
      <h3 id={headingId} className="text-sm font-semibold text-slate-900">
        Unpriced calls
      </h3>
      {unpriced.calls === 0 ? (
        <p className="text-sm text-slate-600">Every stored LLM call has a price.</p>
      ) : (
        <div className="text-sm text-slate-700">
          <p>
            <span className="font-medium tabular-nums" data-testid="unpriced-calls-count">
              {callsText(unpriced.calls)}
            </span>{" "}
            with no price in force at their start: counted apart, never as $0.
          </p>
          <ul className="mt-1 flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-600" aria-label="Unpriced calls by model">
            {unpriced.models.slice(0, 8).map((m) => (
              <li key={m.model ?? ""} data-testid={`unpriced-model-${m.model ?? ""}`}>
                <code>{m.model ?? "(no model)"}</code>: <span className="tabular-nums">{count(m.calls)}</span>
                {m.priced && <span className="text-emerald-700"> (has a price now)</span>}
              </li>
            ))}
            {unpriced.models.length > 8 && <li>and {count(unpriced.models.length - 8)} more models</li>}
          </ul>
        </div>
      )}
      {/* One list, keyed by id: a re-pricing that finishes stays in place as the latest once the section re-reads. */}
      {(active.length > 0 ? active : latest ? [latest] : []).map((r) => (
        <RecomputeProgress key={r.id} initial={r} />
      ))}
      {/* Offered when it would price something: some model has a price in force at its latest unpriced call. */}
      {active.length === 0 && unpriced.models.some((m) => m.priced) && (
        <StartPriceRecompute matchPattern={null} calls={unpriced.calls} trigger={`Re-price all ${callsText(unpriced.calls)}`} />
      )}
    </section>
  );
}
