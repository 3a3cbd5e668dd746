// What one API key ingested, from the ingestion ledger: a figure for the last 24 hours and, behind a disclosure,
// its last 60 minutes per minute and last 24 hours per hour. No client code: <details> opens without JavaScript.
import { formatUtc } from "@/components/ui/time";
import type { KeyIngestSummary, LedgerTotals } from "@/lib/telemetry/ledger";

const count = (n: number) => n.toLocaleString("en-US");

function LedgerTable({ caption, rows, label }: { caption: string; rows: (LedgerTotals & { start: string })[]; label: (start: string) => string }) {
  return (
    <table className="mt-2 w-full text-xs">
      <caption className="text-left font-medium text-slate-700">{caption}</caption>
      <thead className="text-slate-500">
        <tr>
          <th scope="col" className="pr-3 text-left font-medium">Start (UTC)</th>
          <th scope="col" className="pr-3 text-right font-medium">Requests</th>
          <th scope="col" className="pr-3 text-right font-medium">Spans</th>
          <th scope="col" className="pr-3 text-right font-medium">Re-sent</th>
          <th scope="col" className="pr-3 text-right font-medium">Rejected</th>
          <th scope="col" className="text-right font-medium">Runs</th>
        </tr>
      </thead>
      <tbody className="tabular-nums">
        {rows.length === 0 ? (
          <tr>
            <td colSpan={6} className="py-1 text-slate-500">Nothing in this period.</td>
          </tr>
        ) : (
          rows.map((r) => (
            <tr key={r.start}>
              <td className="pr-3">{label(r.start)}</td>
              <td className="pr-3 text-right">{count(r.requests)}</td>
              <td className="pr-3 text-right">{count(r.spansAccepted)}</td>
              <td className="pr-3 text-right">{count(r.spansDuplicate)}</td>
              <td className="pr-3 text-right">{count(r.spansRejected)}</td>
              <td className="text-right">{count(r.runsCreated)}</td>
            </tr>
          ))
        )}
      </tbody>
    </table>
  );
}

export function KeyIngest({ name, summary }: { name: string; summary: KeyIngestSummary | null }) {
  if (!summary) return <span className="text-slate-500" data-testid="api-key-ingested">nothing</span>;
  const { last24h } = summary;
  return (
    <details data-testid="api-key-ingested">
      <summary className="cursor-pointer whitespace-nowrap">
        <span className="sr-only">Ingestion of “{name}”: </span>
        {count(last24h.spansAccepted)} spans · {count(last24h.requests)} requests
        {last24h.spansRejected > 0 && <span className="text-amber-700"> · {count(last24h.spansRejected)} rejected</span>}
      </summary>
      <div className="mt-1 min-w-80">
        <LedgerTable caption="Last 60 minutes" rows={summary.minutes} label={(start) => formatUtc(start).slice(11, 16)} />
        <LedgerTable caption="Last 24 hours" rows={summary.hours} label={(start) => formatUtc(start).slice(0, 16)} />
      </div>
    </details>
  );
}
