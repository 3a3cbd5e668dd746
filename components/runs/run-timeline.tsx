"use client";

import { useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useCallback, useEffect, useMemo, useState } from "react";
import { fetchJson } from "@/lib/fetch-json";
import { causalChain, type Timeline } from "@/lib/runs/timeline";
import { KindChip } from "./badges";
import { StepDetailPanel } from "./step-detail";
import { Waterfall } from "./waterfall";

interface Props {
  runId: string;
  timeline: Timeline;
  initialStepId: string | null;
  canWrite: boolean;
  running: boolean;
  stallAt: number | null;
  stepCount: number;
}

/** The run's waterfall, its failure summary and the selected step's detail; live while the run is running. */
export function RunTimeline({ runId, timeline, initialStepId, canWrite, running, stallAt, stepCount }: Props) {
  const { items, failures } = timeline;
  const indexById = useMemo(() => new Map(items.map((it, i) => [it.id, i])), [items]);
  const [selected, setSelected] = useState(() => (initialStepId ? (indexById.get(initialStepId) ?? -1) : -1));
  const chain = useMemo(() => (selected >= 0 ? causalChain(items, selected) : { ancestors: [], preceding: [] }), [items, selected]);
  const chainSet = useMemo(() => new Set([...chain.ancestors, ...chain.preceding]), [chain]);
  const selectedItem = selected >= 0 ? items[selected] : undefined;

  const select = useCallback(
    (index: number) => {
      setSelected(index);
      const id = items[index]?.id;
      if (id) {
        // Shareable without a server round trip.
        const url = new URL(window.location.href);
        url.searchParams.set("step", id);
        window.history.replaceState(window.history.state, "", url);
      }
    },
    [items],
  );

  useLivePulse(runId, running, stepCount);

  const after = useMemo(() => {
    const map = new Map<number, number[]>();
    items.forEach((it, i) => {
      if (it.afterFailure >= 0) map.set(it.afterFailure, [...(map.get(it.afterFailure) ?? []), i]);
    });
    return map;
  }, [items]);
  const stepsAfter = (failed: number) => after.get(failed) ?? [];

  return (
    <div className="grid gap-4 xl:grid-cols-[minmax(0,1fr)_26rem]">
      <div className="min-w-0 space-y-4">
        {failures.length > 0 && (
          <section className="rounded-lg border border-red-200 bg-white" aria-label="Failed tool calls" data-testid="failures">
            <h2 className="border-b border-red-100 bg-red-50 px-4 py-2 text-sm font-semibold text-red-800">
              ✖ {failures.length} failed tool call{failures.length === 1 ? "" : "s"} and what the agent did next
            </h2>
            <ul className="max-h-56 divide-y divide-slate-100 overflow-auto text-sm">
              {failures.slice(0, 50).map((f) => (
                <li key={f} className="flex flex-wrap items-center gap-2 px-4 py-2" data-testid="failure-item">
                  <button type="button" onClick={() => select(f)} className="font-medium text-red-800 hover:underline">
                    {items[f]!.name}
                  </button>
                  <span aria-hidden className="text-slate-400">
                    →
                  </span>
                  {stepsAfter(f).length === 0 ? (
                    <span className="text-slate-500">no later step</span>
                  ) : (
                    stepsAfter(f).map((n) => (
                      <button key={n} type="button" onClick={() => select(n)} className="inline-flex items-center gap-1 hover:underline" data-testid="failure-next">
                        <KindChip kind={items[n]!.kind} /> {items[n]!.name}
                      </button>
                    ))
                  )}
                </li>
              ))}
            </ul>
          </section>
        )}
        {items.length === 0 ? (
          <p className="rounded-lg border border-dashed border-slate-300 bg-white p-8 text-center text-sm text-slate-600">This run has no steps yet.</p>
        ) : (
          <Waterfall items={items} span={timeline.span} selected={selected} onSelect={select} chain={chainSet} stallAt={stallAt} />
        )}
      </div>
      <aside className="xl:sticky xl:top-4 xl:self-start">
        <div className="max-h-[calc(100vh-2rem)] overflow-auto rounded-lg border border-slate-200 bg-white">
          {selectedItem ? (
            <>
              {(chain.ancestors.length > 0 || chain.preceding.length > 0) && (
                <nav aria-label="Causal chain" className="border-b border-slate-100 px-4 py-2 text-xs" data-testid="causal-chain">
                  <div className="font-semibold uppercase tracking-wide text-slate-500">Causal chain</div>
                  {chain.ancestors.length > 0 && (
                    <div className="mt-1">
                      <span className="text-slate-500">Inside: </span>
                      {chain.ancestors.map((a) => (
                        <button key={a} type="button" onClick={() => select(a)} className="mr-1 text-brand-700 hover:underline">
                          {items[a]!.name} ›
                        </button>
                      ))}
                    </div>
                  )}
                  {chain.preceding.length > 0 && (
                    <div className="mt-1">
                      <span className="text-slate-500">Just before: </span>
                      {chain.preceding.map((p) => (
                        <button key={p} type="button" onClick={() => select(p)} className={`mr-2 hover:underline ${items[p]!.failed ? "text-red-700" : "text-brand-700"}`}>
                          {items[p]!.failed ? "✖ " : ""}
                          {items[p]!.name}
                        </button>
                      ))}
                    </div>
                  )}
                </nav>
              )}
              <StepDetailPanel key={selectedItem.id} runId={runId} stepId={selectedItem.id} canWrite={canWrite} />
            </>
          ) : (
            <p className="p-6 text-sm text-slate-600">Select a step (click it, or focus the list and use the arrow keys) to see its messages, arguments, result, decision and scores.</p>
          )}
        </div>
      </aside>
    </div>
  );
}

/** While the run is running, re-render the page's server data when new steps arrive (no full reload). */
function useLivePulse(runId: string, running: boolean, stepCount: number) {
  const router = useRouter();
  const pulse = useQuery({
    queryKey: ["run-pulse", runId],
    queryFn: () => fetchJson<{ status: string; stepCount: number }>(`/runs/${runId}/live`, { fallbackMessage: "Live refresh failed" }),
    enabled: running,
    refetchInterval: 5_000,
  });
  useEffect(() => {
    if (pulse.data && (pulse.data.stepCount !== stepCount || pulse.data.status !== "RUNNING")) router.refresh();
  }, [pulse.data, router, stepCount]);
}
