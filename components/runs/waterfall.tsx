"use client";

import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useRef } from "react";
import { cn } from "@/components/ui/cn";
import { formatDuration } from "@/lib/runs/format";
import type { TimelineItem } from "@/lib/runs/timeline";
import { KIND_STYLE, KindChip } from "./badges";

export const ROW_HEIGHT = 30;
const MAX_INDENT = 16;
const MAX_HEIGHT = 560;

export interface WaterfallProps {
  items: TimelineItem[];
  span: number;
  selected: number;
  onSelect: (index: number) => void;
  /** Steps on the selected step's causal chain (ancestors and preceding). */
  chain: Set<number>;
  /** Offset (ms) where the run went quiet, when it stalled. */
  stallAt: number | null;
}

function ticks(span: number): number[] {
  return [0, 0.25, 0.5, 0.75, 1].map((f) => f * span);
}

/** The run's steps on a time axis, nested by parent; only the visible rows are rendered. */
export function Waterfall({ items, span, selected, onSelect, chain, stallAt }: WaterfallProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  // The React Compiler is not enabled; the virtualizer re-renders this component itself.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    initialRect: { width: 800, height: 600 },
  });

  useEffect(() => {
    if (selected >= 0) virtualizer.scrollToIndex(selected, { align: "auto" });
  }, [selected, virtualizer]);

  function onKeyDown(event: React.KeyboardEvent) {
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 600) / ROW_HEIGHT) - 1);
    const current = selected < 0 ? -1 : selected;
    const moves: Record<string, () => number> = {
      ArrowDown: () => Math.min(items.length - 1, current + 1),
      ArrowUp: () => Math.max(0, current - 1),
      PageDown: () => Math.min(items.length - 1, current + page),
      PageUp: () => Math.max(0, current - page),
      Home: () => 0,
      End: () => items.length - 1,
      ArrowLeft: () => (current >= 0 && items[current]!.parent >= 0 ? items[current]!.parent : current),
    };
    const move = moves[event.key];
    if (!move || items.length === 0) return;
    event.preventDefault();
    onSelect(move());
  }

  const stallLeft = stallAt === null ? null : Math.min(100, (stallAt / span) * 100);
  return (
    <div className="rounded-lg border border-slate-200 bg-white">
      <div className="flex border-b border-slate-200 bg-slate-50 text-[11px] text-slate-500">
        <div className="w-[46%] shrink-0 px-3 py-1.5 font-semibold uppercase tracking-wide">Step</div>
        <div className="relative flex-1 py-1.5" aria-hidden>
          {ticks(span).map((t, i) => (
            // The first label starts at the axis, the last ends at it, the others are centred on their tick.
            <span
              key={i}
              className={`absolute whitespace-nowrap tabular-nums ${i === 0 ? "" : i === 4 ? "-translate-x-full pr-1" : "-translate-x-1/2"}`}
              style={{ left: `${(t / span) * 100}%` }}
            >
              {formatDuration(t)}
            </span>
          ))}
          &nbsp;
        </div>
      </div>
      <div
        ref={scrollRef}
        role="listbox"
        tabIndex={0}
        aria-label="Steps of this run"
        aria-activedescendant={selected >= 0 ? `step-row-${selected}` : undefined}
        onKeyDown={onKeyDown}
        data-testid="waterfall"
        className="relative overflow-auto focus-visible:outline-2"
        style={{ height: Math.min(MAX_HEIGHT, Math.max(3, items.length) * ROW_HEIGHT + 2) }}
      >
        <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
          {stallLeft !== null && (
            <div
              aria-hidden
              className="pointer-events-none absolute top-0 bottom-0 z-10 border-l-2 border-dashed border-amber-500"
              style={{ left: `calc(46% + ${stallLeft} * 0.54%)` }}
            />
          )}
          {virtualizer.getVirtualItems().map((row) => {
            const item = items[row.index]!;
            const style = KIND_STYLE[item.kind];
            const left = (item.offset / span) * 100;
            const width = item.duration === null ? 100 - left : Math.max(0.4, (item.duration / span) * 100);
            const isSelected = row.index === selected;
            const inChain = chain.has(row.index);
            return (
              <div
                key={row.key}
                id={`step-row-${row.index}`}
                role="option"
                aria-selected={isSelected}
                data-testid="step-row"
                data-step-id={item.id}
                data-failed={item.failed || undefined}
                data-after-failure={item.afterFailure >= 0 || undefined}
                onClick={() => onSelect(row.index)}
                className={cn(
                  "absolute left-0 flex w-full cursor-pointer items-center border-b border-slate-100 text-xs",
                  isSelected ? "bg-brand-50" : item.failed ? "bg-red-50 hover:bg-red-100/60" : item.afterFailure >= 0 ? "bg-orange-50/70 hover:bg-orange-100/60" : "hover:bg-slate-50",
                  inChain && !isSelected && "bg-amber-50",
                )}
                style={{ top: row.start, height: ROW_HEIGHT }}
              >
                <div
                  className={cn("flex w-[46%] shrink-0 items-center gap-1.5 overflow-hidden pr-2", (item.failed || item.afterFailure >= 0) && "border-l-4", item.failed ? "border-red-500" : item.afterFailure >= 0 ? "border-orange-400" : "")}
                  style={{ paddingLeft: 8 + Math.min(item.depth, MAX_INDENT) * 12 }}
                >
                  <KindChip kind={item.kind} />
                  <span className={cn("truncate", item.failed ? "font-medium text-red-800" : "text-slate-800")}>{item.name}</span>
                  {item.detail && <span className="truncate font-mono text-[10px] text-slate-600">{item.detail}</span>}
                  {item.failed && <span className="shrink-0 rounded bg-red-600 px-1 text-[10px] font-semibold text-white">✖ failed</span>}
                  {item.afterFailure >= 0 && <span className="shrink-0 rounded bg-orange-100 px-1 text-[10px] text-orange-800">↳ after failure</span>}
                  {item.loop && <span className="shrink-0 rounded bg-amber-100 px-1 text-[10px] text-amber-800">↻ loop</span>}
                  {item.escalated && <span className="shrink-0 rounded bg-fuchsia-100 px-1 text-[10px] text-fuchsia-800">⚑ escalated</span>}
                  {inChain && !isSelected && <span className="shrink-0 rounded bg-amber-200 px-1 text-[10px] text-amber-900">cause</span>}
                </div>
                <div className="relative h-full flex-1" aria-hidden>
                  <div
                    className={cn("absolute top-1/2 h-3 -translate-y-1/2 rounded-sm", item.failed ? "bg-red-500" : style.bar, item.duration === null && "opacity-60")}
                    style={{ left: `${left}%`, width: `${Math.min(width, 100 - left)}%`, minWidth: 2 }}
                  />
                </div>
              </div>
            );
          })}
        </div>
      </div>
      <p className="border-t border-slate-100 px-3 py-1.5 text-[11px] text-slate-500">
        {items.length.toLocaleString("en-US")} steps · ↑/↓ to move, Page Up/Down, Home/End, ← to the parent · click a step for its detail
      </p>
    </div>
  );
}
