import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { Table, Td, Th } from "@/components/ui/table";
import { Time } from "@/components/ui/time";
import type { LabelView } from "@/lib/prompts/queries";

export interface LabelMoveRow {
  id: string;
  label: string;
  version: number | null;
  fromVersion: number | null;
  canaryVersion: number | null;
  canaryWeight: number | null;
  movedByName: string;
  movedAt: Date;
  changeId: string;
  change: { status: string; rollbackOfId: string | null; title: string };
}

const served = (version: number | null, canaryVersion: number | null, canaryWeight: number | null) =>
  version === null ? "removed" : canaryVersion ? `v${version} + ${canaryWeight} % on v${canaryVersion}` : `v${version}`;

/** The prompt's labels now: where each points, its canary split, whether it is protected, and a change waiting on it. */
export function CurrentLabels({ labels, protectedLabels, pending }: { labels: LabelView[]; protectedLabels: string[]; pending: Map<string, { id: string; title: string }> }) {
  const names = [...new Set([...labels.map((l) => l.name), ...protectedLabels])].sort();
  if (names.length === 0) return <p className="px-5 py-4 text-sm text-slate-600">No label yet: agents can fetch versions by number until one is set.</p>;
  return (
    <ul className="divide-y divide-slate-100" aria-label="Labels">
      {names.map((name) => {
        const label = labels.find((l) => l.name === name);
        const waiting = pending.get(name);
        return (
          <li key={name} className="flex flex-wrap items-center gap-2 px-5 py-3 text-sm" data-testid={`label-${name}`}>
            <code className="font-mono font-semibold text-slate-900">{name}</code>
            <span>→ {label ? served(label.version, label.canary?.version ?? null, label.canary?.weight ?? null) : "not set"}</span>
            {protectedLabels.includes(name) && <Badge tone="violet">protected</Badge>}
            {label?.canary && <Badge tone="amber">canary {label.canary.weight} %</Badge>}
            {waiting && (
              <Link href={`/changes/${waiting.id}`} className="text-brand-700 hover:underline">
                change waiting for approval
              </Link>
            )}
          </li>
        );
      })}
    </ul>
  );
}

/** Every move of every label, newest first: from when each version was served, by whom, through which change. */
export function LabelHistory({ moves }: { moves: LabelMoveRow[] }) {
  if (moves.length === 0) return <p className="px-5 py-4 text-sm text-slate-600">No label has moved yet.</p>;
  const until = new Map<string, Date>();
  const rows = moves.map((m) => {
    const end = until.get(m.label) ?? null;
    until.set(m.label, m.movedAt);
    return { ...m, until: end };
  });
  return (
    <Table>
      <caption className="sr-only">Label history</caption>
      <thead className="bg-slate-50">
        <tr>
          <Th>Label</Th>
          <Th>Served</Th>
          <Th>From</Th>
          <Th>Until</Th>
          <Th>Moved by</Th>
          <Th>Change</Th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">
        {rows.map((m) => (
          <tr key={m.id}>
            <Td className="font-mono">{m.label}</Td>
            <Td className="whitespace-nowrap">
              {served(m.version, m.canaryVersion, m.canaryWeight)} <span className="text-xs text-slate-500">(was {m.fromVersion === null ? "unset" : `v${m.fromVersion}`})</span>
            </Td>
            <Td className="whitespace-nowrap">
              <Time value={m.movedAt} />
            </Td>
            <Td className="whitespace-nowrap">{m.until ? <Time value={m.until} /> : <span className="text-emerald-700">now</span>}</Td>
            <Td>{m.movedByName}</Td>
            <Td>
              <Link href={`/changes/${m.changeId}`} className="text-brand-700 hover:underline">
                {m.change.rollbackOfId ? "rollback" : "change"}
              </Link>
            </Td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}
