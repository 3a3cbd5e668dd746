import { Badge } from "@/components/ui/badge";
import { Table, Td, Th } from "@/components/ui/table";
import { Time } from "@/components/ui/time";
import type { ChainedEvent } from "@/lib/audit/chain";

type AuditRow = Omit<ChainedEvent, "actorId" | "prevHash">;

const ACTOR_TONE = { USER: "blue", API_KEY: "violet", SYSTEM: "gray" } as const;

function Json({ value }: { value: unknown }) {
  if (value === null || value === undefined) return <span className="text-slate-500">—</span>;
  return <pre className="max-h-48 max-w-md overflow-auto whitespace-pre-wrap break-all rounded bg-slate-50 p-2 text-xs text-slate-700">{JSON.stringify(value, null, 2)}</pre>;
}

export function AuditTable({ events }: { events: AuditRow[] }) {
  return (
    <Table>
      <thead className="bg-slate-50">
        <tr>
          <Th>#</Th>
          <Th>When</Th>
          <Th>Actor</Th>
          <Th>Action</Th>
          <Th>Target</Th>
          <Th>Change</Th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">
        {events.map((e) => (
          <tr key={e.seq.toString()} data-testid="audit-row">
            <Td className="font-mono text-xs text-slate-500" title={`hash ${e.hash}`}>
              {e.seq.toString()}
            </Td>
            <Td className="whitespace-nowrap text-xs">
              <Time value={e.occurredAt} />
            </Td>
            <Td>
              <Badge tone={ACTOR_TONE[e.actorType as keyof typeof ACTOR_TONE] ?? "gray"}>{e.actorType.replace("_", " ").toLowerCase()}</Badge>
              <div className="mt-1 text-xs">{e.actorLabel}</div>
            </Td>
            <Td className="font-mono text-xs">{e.action}</Td>
            <Td className="text-xs">
              {e.targetType}
              {e.targetId && <div className="font-mono text-slate-500">{e.targetId}</div>}
            </Td>
            <Td>
              <details className="text-xs">
                <summary className="cursor-pointer text-brand-600">Before / after</summary>
                <div className="mt-2 grid gap-2">
                  <div>
                    <div className="mb-1 font-medium text-slate-500">Before</div>
                    <Json value={e.before} />
                  </div>
                  <div>
                    <div className="mb-1 font-medium text-slate-500">After</div>
                    <Json value={e.after} />
                  </div>
                  {e.metadata != null && (
                    <div>
                      <div className="mb-1 font-medium text-slate-500">Context</div>
                      <Json value={e.metadata} />
                    </div>
                  )}
                </div>
              </details>
            </Td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}
