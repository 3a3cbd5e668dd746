/** The groups whose cost rose and fell most against the previous period, each a link to its runs. */
import Link from "next/link";
import type { SpendMover } from "@/lib/spend/report";
import { runsLinkFor, type SpendQuery } from "@/lib/spend/report-schema";
import { formatChange, formatSpendUsd } from "./format";
import { changeTone } from "./spend-table";

export function TopMovers({ query, increases, decreases }: { query: SpendQuery; increases: SpendMover[]; decreases: SpendMover[] }) {
  return (
    <div className="grid gap-4 px-5 py-4 md:grid-cols-2" data-testid="top-movers">
      <MoverList title="Largest increases" empty="No group cost more than in the previous period." query={query} movers={increases} />
      <MoverList title="Largest decreases" empty="No group cost less than in the previous period." query={query} movers={decreases} />
    </div>
  );
}

function MoverList({ title, empty, query, movers }: { title: string; empty: string; query: SpendQuery; movers: SpendMover[] }) {
  return (
    <section aria-label={title}>
      <h3 className="mb-2 text-sm font-semibold text-slate-800">{title}</h3>
      {movers.length === 0 ? (
        <p className="text-sm text-slate-500">{empty}</p>
      ) : (
        <ol className="space-y-1.5 text-sm">
          {movers.map((m) => (
            <li key={`${m.ref.name}-${m.ref.version}-${m.key}`} className="flex flex-wrap items-baseline justify-between gap-x-3">
              <Link href={runsLinkFor(query, m.ref).href} className="font-medium text-brand-700 hover:underline">
                {m.label}
              </Link>
              <span className="tabular-nums text-slate-600">
                {formatSpendUsd(Number(m.previousCostUsd))} → {formatSpendUsd(Number(m.costUsd))}{" "}
                <span className={changeTone(Number(m.change.deltaUsd))}>{formatChange(Number(m.change.deltaUsd), m.change.ratio)}</span>
              </span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
