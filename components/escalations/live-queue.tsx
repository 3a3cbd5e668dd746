"use client";
/**
 * The escalation queue, live: pending items sorted by SLA due. Server-sent
 * events from the notification hub say "something changed" and the queue is
 * re-read; while the stream is down it is polled every 10 s instead. SLA
 * breaches, approaching deadlines and overdue items stand out, and the
 * countdowns move without a reload.
 */
import { useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useEffect, useState } from "react";
import { Badge } from "@/components/ui/badge";
import { EmptyState } from "@/components/ui/empty-state";
import { Table, Td, Th } from "@/components/ui/table";
import { cn } from "@/components/ui/cn";
import type { QueueItem } from "@/lib/escalations/queries";
import { relativeTime, RiskBadge } from "./badges";

const POLL_MS = 10_000;

async function fetchQueue(query: string): Promise<QueueItem[]> {
  const response = await fetch(`/escalations/queue${query ? `?${query}` : ""}`, { headers: { Accept: "application/json" }, cache: "no-store" });
  if (!response.ok) throw new Error(`The queue did not load (${response.status}).`);
  return ((await response.json()) as { items: QueueItem[] }).items;
}

/** Connects to the event stream; re-reads the queue (every query under `key`) on every event. */
function useQueueEvents(query: string): boolean {
  const client = useQueryClient();
  const [live, setLive] = useState(false);
  useEffect(() => {
    if (typeof EventSource === "undefined") return;
    const refresh = () => void client.invalidateQueries({ queryKey: ["escalation-queue", query] });
    const source = new EventSource("/escalations/live");
    source.addEventListener("ready", () => {
      setLive(true);
      refresh(); // anything that changed while connecting
    });
    source.addEventListener("escalation", refresh);
    source.addEventListener("resync", refresh);
    source.onerror = () => setLive(false);
    return () => source.close();
  }, [client, query]);
  return live;
}

function useNow(everyMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

type Urgency = "overdue" | "breached" | "deadline" | null;

function urgencyOf(item: QueueItem, now: number): Urgency {
  if (item.overdue) return "overdue";
  if (item.warnAt && new Date(item.warnAt).getTime() <= now) return "deadline";
  if (item.slaDueAt && new Date(item.slaDueAt).getTime() <= now) return "breached";
  return null;
}

const ROW_TONE: Record<NonNullable<Urgency>, string> = {
  overdue: "bg-red-50 border-l-4 border-l-red-500",
  deadline: "bg-amber-50 border-l-4 border-l-amber-500",
  breached: "bg-red-50/60 border-l-4 border-l-red-400",
};

export function LiveQueue({ initial, query, filtered }: { initial: QueueItem[]; query: string; filtered: boolean }) {
  const live = useQueueEvents(query);
  const queue = useQuery({ queryKey: ["escalation-queue", query], queryFn: () => fetchQueue(query), initialData: initial, refetchInterval: live ? false : POLL_MS, staleTime: 0 });
  const now = useNow(15_000);
  const items = queue.data;

  return (
    <div>
      <div className="flex items-center justify-between gap-3 border-b border-slate-100 px-5 py-2 text-xs text-slate-600">
        <span data-testid="queue-live" data-live={live ? "true" : "false"}>
          <span aria-hidden className={cn("mr-1.5 inline-block h-2 w-2 rounded-full", live ? "bg-emerald-500" : "bg-amber-500")} />
          {live ? "Live: new requests appear as agents ask." : `Reconnecting; refreshing every ${POLL_MS / 1000} s meanwhile.`}
        </span>
        <span aria-live="polite" role="status">
          {items.length} pending
        </span>
      </div>
      {items.length === 0 ? (
        <div className="p-5">
          <EmptyState title={filtered ? "Nothing pending matches these filters" : "Nothing is waiting for clearance"}>
            {filtered ? "Clear a filter to see the rest of the queue." : "When an agent asks for clearance of an action a policy catches, it appears here at once."}
          </EmptyState>
        </div>
      ) : (
        <Table>
          <caption className="sr-only">Pending escalations, SLA due first</caption>
          <thead className="bg-slate-50">
            <tr>
              <Th>Action</Th>
              <Th>Policy</Th>
              <Th>SLA</Th>
              <Th>Deadline</Th>
              <Th>Approvals</Th>
              <Th>Claimed</Th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {items.map((item) => {
              const urgency = urgencyOf(item, now);
              return (
                <tr key={item.id} data-testid="queue-row" data-escalation-id={item.id} data-urgency={urgency ?? "none"} className={cn(urgency && ROW_TONE[urgency])}>
                  <Td className="max-w-md">
                    <Link href={`/escalations/${item.id}`} className="font-medium text-brand-700 hover:underline">
                      {item.tool}
                    </Link>{" "}
                    <span className="text-slate-600">by {item.agent}</span>
                    {item.team && <span className="text-xs text-slate-500"> · {item.team}</span>}
                    <div className="mt-0.5 flex flex-wrap items-center gap-1.5">
                      <RiskBadge risk={item.risk} />
                      {item.executedDifferently && <Badge tone="red">executed differently</Badge>}
                      {item.escalatedTo.length > 0 && <Badge tone="violet">escalated to {item.escalatedTo.join(", ")}</Badge>}
                    </div>
                    <p className="mt-0.5 truncate font-mono text-[11px] text-slate-500" title={item.argumentsPreview}>
                      {item.argumentsPreview}
                    </p>
                    {item.reason && <p className="line-clamp-1 text-xs text-slate-600">“{item.reason}”</p>}
                  </Td>
                  <Td className="text-xs">{item.policy ?? "—"}</Td>
                  <Td className="whitespace-nowrap text-xs">
                    {item.slaDueAt ? (
                      <span className={cn(new Date(item.slaDueAt).getTime() <= now ? "font-semibold text-red-700" : "text-slate-700")}>
                        {new Date(item.slaDueAt).getTime() <= now ? `SLA breached ${relativeTime(item.slaDueAt, now)}` : `due ${relativeTime(item.slaDueAt, now)}`}
                      </span>
                    ) : (
                      "—"
                    )}
                  </Td>
                  <Td className="whitespace-nowrap text-xs">
                    {item.overdue ? (
                      <span className="font-semibold text-red-700">overdue (kept open)</span>
                    ) : item.expiresAt ? (
                      <span className={cn(urgency === "deadline" ? "font-semibold text-amber-800" : "text-slate-700")}>{relativeTime(item.expiresAt, now)}</span>
                    ) : (
                      "—"
                    )}
                  </Td>
                  <Td className="whitespace-nowrap text-xs">
                    {item.approvals} of {item.requiredApprovals}
                  </Td>
                  <Td className="text-xs">{item.claimedBy ?? <span className="text-slate-500">unclaimed</span>}</Td>
                </tr>
              );
            })}
          </tbody>
        </Table>
      )}
      {queue.isError && (
        <p role="alert" className="px-5 py-2 text-sm text-red-600">
          {queue.error.message}
        </p>
      )}
    </div>
  );
}
