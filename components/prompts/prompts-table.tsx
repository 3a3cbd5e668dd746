/** The prompt registry table: name, type, labels, versions, last change and who. */
import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { Table, Td, Th } from "@/components/ui/table";
import { Time } from "@/components/ui/time";

export interface PromptRowItem {
  name: string;
  description: string | null;
  type: "text" | "chat";
  versions: number;
  latestVersion: number;
  labels: { name: string; version: number }[];
  lastChangedAt: Date;
  lastChangedBy: string;
}

export function PromptsTable({ prompts }: { prompts: PromptRowItem[] }) {
  return (
    <Table aria-label="Prompts">
      <thead className="bg-slate-50">
        <tr>
          <Th>Name</Th>
          <Th>Type</Th>
          <Th>Labels</Th>
          <Th className="text-right">Versions</Th>
          <Th>Last change</Th>
          <Th>By</Th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">
        {prompts.map((p) => (
          <tr key={p.name} data-testid={`prompt-row-${p.name}`}>
            <Td>
              <Link href={`/prompts/${p.name}`} className="font-mono font-medium text-brand-700 hover:underline">
                {p.name}
              </Link>
              {p.description && <p className="text-xs text-slate-500">{p.description}</p>}
            </Td>
            <Td>
              <Badge tone={p.type === "chat" ? "blue" : "gray"}>{p.type}</Badge>
            </Td>
            <Td>
              {p.labels.length === 0 ? (
                <span className="text-slate-400">—</span>
              ) : (
                <span className="flex flex-wrap gap-1">
                  {p.labels.map((l) => (
                    <Badge key={l.name} tone="green">
                      {l.name} → v{l.version}
                    </Badge>
                  ))}
                </span>
              )}
            </Td>
            <Td className="text-right tabular-nums">{p.versions}</Td>
            <Td className="whitespace-nowrap text-xs">
              <Time value={p.lastChangedAt} /> (v{p.latestVersion})
            </Td>
            <Td className="text-xs">{p.lastChangedBy}</Td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}
