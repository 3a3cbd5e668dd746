// An agent's history on one timeline: pauses, resumes and trips, what its breakers did, and its configuration versions.
import Link from "next/link";
import { ChangeStatusBadge } from "@/components/changes/change-badges";
import { Badge } from "@/components/ui/badge";
import { Card, CardHeader } from "@/components/ui/card";
import { Time } from "@/components/ui/time";
import type { AgentHistoryItem } from "@/lib/agents/queries";
import { StatusBadge } from "./health";

const BREAKER_EVENT = {
  WOULD_TRIP: { label: "would have tripped", tone: "amber" },
  TRIPPED: { label: "tripped", tone: "red" },
  HALF_OPEN: { label: "half-open: one run let through", tone: "violet" },
  CLOSED: { label: "closed", tone: "green" },
} as const;

function Item({ item }: { item: AgentHistoryItem }) {
  if (item.kind === "status") {
    return (
      <>
        <p className="text-sm">
          <StatusBadge status={item.status} /> <span className="text-slate-500">from {item.previous.toLowerCase()}</span> by {item.setBy}
        </p>
        <p className="text-sm text-slate-700">{item.reason}</p>
        {item.acknowledged && <p className="text-xs text-slate-500">Acknowledged the trip: {item.acknowledged}</p>}
      </>
    );
  }
  if (item.kind === "breaker") {
    const e = BREAKER_EVENT[item.event];
    return (
      <>
        <p className="text-sm">
          Breaker <span className="font-medium">{item.breaker}</span> <Badge tone={e.tone}>{e.label}</Badge>
        </p>
        <p className="text-sm text-slate-700">{item.message}</p>
        {item.runIds.length > 0 && (
          <p className="text-xs">
            Runs:{" "}
            {item.runIds.slice(0, 5).map((id, i) => (
              <span key={id}>
                {i > 0 && ", "}
                <Link href={`/runs/${id}`} className="font-mono text-brand-700 hover:underline">
                  {id.slice(0, 10)}
                </Link>
              </span>
            ))}
            {item.runIds.length > 5 && ` and ${item.runIds.length - 5} more`}
          </p>
        )}
      </>
    );
  }
  return (
    <>
      <p className="text-sm">
        Configuration <span className="font-medium">v{item.version}</span> {item.createdBy && <span className="text-slate-500">by {item.createdBy}</span>}{" "}
        {item.change && (
          <Link href={`/changes/${item.change.id}`}>
            <span className="sr-only">Change for v{item.version}: </span>
            <ChangeStatusBadge status={item.change.status} />
          </Link>
        )}
      </p>
      {item.message && <p className="text-sm text-slate-700">{item.message}</p>}
    </>
  );
}

export function AgentHistory({ items }: { items: AgentHistoryItem[] }) {
  return (
    <Card className="mt-6">
      <CardHeader title="History" description="Pauses, resumes and trips, what the breakers did, and configuration versions, newest first." />
      {items.length === 0 ? (
        <p className="px-5 py-4 text-sm text-slate-600">Nothing yet: this agent has never been paused, tripped or reconfigured.</p>
      ) : (
        <ol className="divide-y divide-slate-100" aria-label="Agent history">
          {items.map((item, i) => (
            <li key={`${item.kind}-${item.at.toISOString()}-${i}`} className="grid grid-cols-[10rem_1fr] gap-3 px-5 py-3" data-testid={`history-${item.kind}`}>
              <span className="text-xs text-slate-500">
                <Time value={item.at} />
              </span>
              <div className="space-y-0.5">
                <Item item={item} />
              </div>
            </li>
          ))}
        </ol>
      )}
    </Card>
  );
}
