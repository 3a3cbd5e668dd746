import Link from "next/link";
import { Table, Td, Th } from "@/components/ui/table";
import { Time } from "@/components/ui/time";
import { KIND_LABELS, type ChangeListItem } from "@/lib/changes/queries";
import { ChangeStatusBadge } from "./change-badges";

/** A list of changes: what, on which target, who proposed it and when, approvals, state. */
export function ChangesTable({ rows, caption }: { rows: ChangeListItem[]; caption: string }) {
  return (
    <Table>
      <caption className="sr-only">{caption}</caption>
      <thead className="bg-slate-50">
        <tr>
          <Th>Change</Th>
          <Th>Kind</Th>
          <Th>Proposed by</Th>
          <Th>Proposed</Th>
          <Th>Approvals</Th>
          <Th>State</Th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">
        {rows.map((c) => (
          <tr key={c.id} data-testid={`change-row-${c.id}`}>
            <Td className="max-w-md">
              <Link href={`/changes/${c.id}`} className="font-medium text-brand-700 hover:underline">
                {c.title}
              </Link>
              {c.reason && <p className="mt-0.5 line-clamp-2 text-xs text-slate-500">{c.reason}</p>}
            </Td>
            <Td className="whitespace-nowrap">{KIND_LABELS[c.kind]}</Td>
            <Td>{c.proposedBy}</Td>
            <Td className="whitespace-nowrap">
              <Time value={c.proposedAt} />
            </Td>
            <Td className="whitespace-nowrap">{c.rollbackOfId ? "rollback" : c.status === "PENDING" || c.approvals > 0 ? `${c.approvals} of ${c.requiredApprovals}` : "not needed"}</Td>
            <Td>
              <ChangeStatusBadge status={c.status} />
            </Td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}
