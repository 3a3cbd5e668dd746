import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { Card, CardHeader } from "@/components/ui/card";
import { Time } from "@/components/ui/time";
import type { EscalationView } from "@/lib/runs/run-queries";

const TONE: Record<string, "green" | "amber" | "red" | "gray"> = { APPROVED: "green", CLEARED: "green", PENDING: "amber", REJECTED: "red", EXPIRED: "red", CANCELLED: "gray" };

/** The run's requests for clearance, with their status and decisions. */
export function RunEscalations({ escalations }: { escalations: EscalationView[] }) {
  return (
    <Card data-testid="run-escalations">
      <CardHeader title="Escalations" description="Actions this run asked clearance for." />
      <ul className="divide-y divide-slate-100 text-sm">
        {escalations.map((e) => (
          <li key={e.id} className="px-5 py-2.5">
            <div className="flex flex-wrap items-center gap-2">
              <span className="font-medium">⚑ {e.tool}</span>
              <Badge tone={TONE[e.status] ?? "gray"}>{e.status.toLowerCase()}</Badge>
              {e.executedDifferently && <Badge tone="red">executed differently than approved</Badge>}
              <span className="text-xs text-slate-500">
                asked <Time value={e.createdAt} />
                {e.slaDueAt && (
                  <>
                    {" "}
                    · due <Time value={e.slaDueAt} />
                  </>
                )}
              </span>
              <Link href={`/escalations/${e.id}`} className="text-xs text-brand-700 hover:underline">
                Open
              </Link>
            </div>
            {e.reason && <p className="text-xs text-slate-600">{e.reason}</p>}
            {e.executedDifferently && <p className="text-xs font-medium text-red-700">{e.executedDifferently}</p>}
            {e.decisions.map((d, i) => (
              <p key={i} className="text-xs text-slate-600">
                {d.verdict.toLowerCase()} by {d.decidedBy} · <Time value={d.decidedAt} />
                {d.comment && <>: “{d.comment}”</>}
              </p>
            ))}
          </li>
        ))}
      </ul>
    </Card>
  );
}
