import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { Table, Td, Th } from "@/components/ui/table";
import { Time } from "@/components/ui/time";
import type { HistoryItem } from "@/lib/escalations/queries";
import { EscalationStatusBadge, formatWait } from "./badges";

/** Decided escalations: what, who decided, when, and how long the agent waited. */
export function HistoryTable({ rows }: { rows: HistoryItem[] }) {
  return (
    <Table>
      <caption className="sr-only">Decided escalations, newest first</caption>
      <thead className="bg-slate-50">
        <tr>
          <Th>Action</Th>
          <Th>Outcome</Th>
          <Th>Decided by</Th>
          <Th>Decided</Th>
          <Th>Waited</Th>
          <Th>Policy</Th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">
        {rows.map((r) => (
          <tr key={r.id} data-testid="history-row">
            <Td>
              <Link href={`/escalations/${r.id}`} className="font-medium text-brand-700 hover:underline">
                {r.tool}
              </Link>{" "}
              <span className="text-slate-600">by {r.agent}</span>
              <div className="mt-0.5 flex gap-1.5">
                {r.argumentsChanged && <Badge tone="violet">arguments changed</Badge>}
                {r.executedDifferently && <Badge tone="red">executed differently</Badge>}
              </div>
            </Td>
            <Td>
              <EscalationStatusBadge status={r.status} />
            </Td>
            <Td className="text-xs">{r.decidedBy.length ? r.decidedBy.join(", ") : r.status === "EXPIRED" ? "the deadline" : r.status === "CANCELLED" ? "the requester" : "—"}</Td>
            <Td className="whitespace-nowrap text-xs">
              <Time value={r.decidedAt} />
            </Td>
            <Td className="whitespace-nowrap text-xs">{formatWait(r.waitedMs)}</Td>
            <Td className="text-xs">{r.policy ?? "—"}</Td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}
