/** One prompt's version history table and the selected version's template, config and placeholders. */
import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { Table, Td, Th } from "@/components/ui/table";
import { Time } from "@/components/ui/time";
import type { PromptTemplate } from "@/lib/prompts/schemas";

export interface VersionRowItem {
  version: number;
  createdBy: string;
  message: string | null;
  createdAt: Date;
  labels: string[];
}

export function VersionsTable({ name, versions, selected }: { name: string; versions: VersionRowItem[]; selected: number }) {
  return (
    <Table aria-label="Versions">
      <thead className="bg-slate-50">
        <tr>
          <Th>Version</Th>
          <Th>Message</Th>
          <Th>Author</Th>
          <Th>Published</Th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">
        {versions.map((v) => (
          <tr key={v.version} data-testid={`prompt-version-row-${v.version}`} className={v.version === selected ? "bg-brand-50/60" : undefined}>
            <Td className="whitespace-nowrap">
              <Link
                href={`/prompts/${name}?version=${v.version}`}
                className="font-medium text-brand-700 hover:underline"
                aria-current={v.version === selected ? "true" : undefined}
              >
                v{v.version}
              </Link>{" "}
              {v.labels.map((l) => (
                <Badge key={l} tone="green">
                  {l}
                </Badge>
              ))}
            </Td>
            <Td>{v.message ?? <span className="text-slate-400">—</span>}</Td>
            <Td className="text-xs">{v.createdBy}</Td>
            <Td className="whitespace-nowrap text-xs">
              <Time value={v.createdAt} />
            </Td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}

export function TemplateView({ template }: { template: PromptTemplate }) {
  if (typeof template === "string") {
    return (
      <pre className="overflow-x-auto whitespace-pre-wrap rounded-md bg-slate-50 p-3 font-mono text-xs text-slate-800" data-testid="prompt-template">
        {template}
      </pre>
    );
  }
  return (
    <ol className="space-y-2" data-testid="prompt-template">
      {template.map((m, i) => (
        <li key={i} className="rounded-md bg-slate-50 p-3">
          <p className="mb-1 text-xs font-semibold uppercase tracking-wide text-slate-500">{m.role}</p>
          <pre className="whitespace-pre-wrap font-mono text-xs text-slate-800">{m.content}</pre>
        </li>
      ))}
    </ol>
  );
}

export function ConfigView({ config }: { config: Record<string, unknown> }) {
  const keys = Object.keys(config);
  if (keys.length === 0) return <p className="text-sm text-slate-500">No config.</p>;
  return (
    <pre className="overflow-x-auto rounded-md bg-slate-50 p-3 font-mono text-xs text-slate-800" data-testid="prompt-config">
      {JSON.stringify(config, null, 2)}
    </pre>
  );
}

export function PlaceholderList({ placeholders }: { placeholders: string[] }) {
  if (placeholders.length === 0) return <p className="text-sm text-slate-500">No placeholders.</p>;
  return (
    <ul className="flex flex-wrap gap-1.5" aria-label="Placeholders">
      {placeholders.map((p) => (
        <li key={p}>
          <code className="rounded bg-amber-50 px-1.5 py-0.5 text-xs text-amber-800 ring-1 ring-amber-200">{`{{${p}}}`}</code>
        </li>
      ))}
    </ul>
  );
}
