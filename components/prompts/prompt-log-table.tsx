// The Prompt log's rows: one LLM call per group, its figures on the first line and what was sent and
// came back below, as text (never HTML), with the whole messages behind a <details>.
import Link from "next/link";
import { Messages } from "@/components/runs/json-view";
import { Badge } from "@/components/ui/badge";
import { Table, Td, Th } from "@/components/ui/table";
import { Time } from "@/components/ui/time";
import type { ExcerptPart, MessagesView, PromptLogRow } from "@/lib/prompts/log/rows";
import { formatTokens, formatUsd } from "@/lib/runs/format";

function Excerpt({ parts, clippedStart, clippedEnd }: { parts: ExcerptPart[]; clippedStart: boolean; clippedEnd: boolean }) {
  if (parts.length === 0) return <span className="text-slate-500">nothing</span>;
  return (
    <>
      {clippedStart && "… "}
      {parts.map((p, i) =>
        p.match ? (
          <mark key={i} className="rounded-sm bg-amber-200 px-0.5 text-slate-900">
            {p.text}
          </mark>
        ) : (
          <span key={i}>{p.text}</span>
        ),
      )}
      {clippedEnd && " …"}
    </>
  );
}

function Side({ title, view, stepHref }: { title: string; view: MessagesView; stepHref: string }) {
  return (
    <div className="min-w-0">
      <h3 className="text-[11px] font-semibold uppercase tracking-wide text-slate-500">{title}</h3>
      <p className="mt-0.5 line-clamp-4 break-words text-xs leading-relaxed text-slate-800" data-testid={`prompt-log-${title === "Sent" ? "input" : "output"}`}>
        <Excerpt parts={view.excerpt} clippedStart={view.clippedStart} clippedEnd={view.clippedEnd} />
      </p>
      {view.bytes > 0 && (
        <details className="mt-1 text-xs">
          <summary className="cursor-pointer text-brand-700 hover:underline">
            {title === "Sent" ? "All messages sent" : "All messages received"} ({formatTokens(Math.ceil(view.bytes / 1000))} kB)
          </summary>
          <div className="mt-1.5">
            {view.messages === null ? (
              <p className="text-slate-600">
                Too large to show here.{" "}
                <Link href={stepHref} className="text-brand-700 hover:underline">
                  Open the step
                </Link>{" "}
                to read them.
              </p>
            ) : (
              <Messages value={view.messages} />
            )}
          </div>
        </details>
      )}
    </div>
  );
}

const prompt = (r: PromptLogRow) => (r.promptName ? `${r.promptName}${r.promptVersion ? `@${r.promptVersion}` : ""}` : null);

export function PromptLogTable({ rows }: { rows: PromptLogRow[] }) {
  return (
    <Table>
      <thead className="bg-slate-50">
        <tr>
          <Th>Time (UTC)</Th>
          <Th>Agent · team</Th>
          <Th>Model</Th>
          <Th>Prompt</Th>
          <Th className="text-right">Tokens in · out</Th>
          <Th className="text-right">Cost</Th>
          <Th>
            <span className="sr-only">Step</span>
          </Th>
        </tr>
      </thead>
      {rows.map((r) => {
        const stepHref = `/runs/${encodeURIComponent(r.runId)}?step=${encodeURIComponent(r.stepId)}`;
        return (
          <tbody key={r.stepId} className="border-b border-slate-200 last:border-b-0" data-testid="prompt-log-row" data-step-id={r.stepId}>
            <tr>
              <Td className="whitespace-nowrap">
                <Time value={r.startedAt} />
                {r.status === "FAILED" && (
                  <Badge tone="red" className="ml-2">
                    failed
                  </Badge>
                )}
              </Td>
              <Td className="whitespace-nowrap">
                <div>{r.agent ?? <span className="text-slate-500">unknown agent</span>}</div>
                <div className="text-xs text-slate-500">{r.team ?? "no team"}</div>
              </Td>
              <Td className="whitespace-nowrap font-mono text-xs">{r.model ?? <span className="text-slate-500">—</span>}</Td>
              <Td className="whitespace-nowrap font-mono text-xs">
                {prompt(r) ? (
                  <Link href={`/prompts/${encodeURIComponent(r.promptName!)}`} className="text-brand-700 hover:underline">
                    {prompt(r)}
                  </Link>
                ) : (
                  <span className="text-slate-500">—</span>
                )}
              </Td>
              <Td className="whitespace-nowrap text-right tabular-nums">
                {r.inputTokens === null ? "—" : formatTokens(r.inputTokens)} · {r.outputTokens === null ? "—" : formatTokens(r.outputTokens)}
              </Td>
              <Td className="whitespace-nowrap text-right tabular-nums">{r.costUsd === null ? <span className="text-slate-500">unpriced</span> : formatUsd(r.costUsd)}</Td>
              <Td className="whitespace-nowrap text-right">
                <Link href={stepHref} className="font-medium text-brand-700 hover:underline" aria-label={`Open step: ${r.agent ?? "unknown agent"}, ${r.startedAt}`}>
                  Open step
                </Link>
              </Td>
            </tr>
            <tr>
              <td colSpan={7} className="px-4 pb-3">
                <div className="grid gap-4 md:grid-cols-2">
                  <Side title="Sent" view={r.input} stepHref={stepHref} />
                  <Side title="Received" view={r.output} stepHref={stepHref} />
                </div>
              </td>
            </tr>
          </tbody>
        );
      })}
    </Table>
  );
}
