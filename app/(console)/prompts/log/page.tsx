// The Prompt log: every LLM call's messages as sent and received, searched across runs by full text
// and filtered by prompt, version, model, agent, team and time; each row opens its step on the timeline.
import type { Metadata } from "next";
import Link from "next/link";
import { Suspense } from "react";
import { PromptLogFilters } from "@/components/prompts/prompt-log-filters";
import { PromptLogTable } from "@/components/prompts/prompt-log-table";
import { buttonClass } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { QueryNotice } from "@/components/ui/query-notice";
import { formatUtc } from "@/components/ui/time";
import { describeIndexLag, promptLogIndexLag } from "@/lib/prompts/log/indexer";
import { parsePromptLogQuery, promptLogQueryString, type PromptLogFilter, type PromptLogQuery } from "@/lib/prompts/log/params";
import { promptLogFacets, searchPromptLog, type PromptLogPage } from "@/lib/prompts/log/search";
import { requirePageScope } from "@/lib/session";

export const metadata: Metadata = { title: "Prompt log" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function PromptLogPage({ searchParams }: { searchParams: SearchParams }) {
  await requirePageScope("prompts:read");
  const { query, filter, ignored } = parsePromptLogQuery(await searchParams);
  const facets = await promptLogFacets();
  return (
    <>
      <nav className="mb-2 text-sm" aria-label="Breadcrumb">
        <Link href="/prompts" className="text-brand-700 hover:underline">
          ← Prompts
        </Link>
      </nav>
      <PageHeader
        title="Prompt log"
        description="Every LLM call's messages exactly as sent and received (after redaction), newest first, across all runs. Calls are listed and searchable a few seconds after they are stored. Times are UTC."
      />
      <QueryNotice ignored={ignored} noun="parameter" />
      <PromptLogFilters query={query} facets={facets} />
      <Suspense key={promptLogQueryString(query)} fallback={<LogSkeleton />}>
        <PromptLogResults query={query} filter={filter} />
      </Suspense>
    </>
  );
}

/** What the reader asked for, in words, for the empty state. */
function describe(query: PromptLogQuery): string {
  const parts = [
    query.q && `“${query.q}”`,
    query.prompt && `prompt ${query.prompt}${query.version ? `@${query.version}` : ""}`,
    !query.prompt && query.version && `version ${query.version}`,
    query.model && `model ${query.model}`,
    query.agent && `agent ${query.agent}`,
    query.team && `team ${query.team}`,
    query.from && `from ${query.from.replace("T", " ")}`,
    query.to && `to ${query.to.replace("T", " ")}`,
  ].filter(Boolean);
  return parts.join(", ");
}

/** Calls stored but not indexed yet, said above the results (an empty result above all), so none looks missing. */
function LagNotice({ message }: { message: string | null }) {
  if (!message) return null;
  return (
    <p className="mb-3 rounded-md bg-sky-50 px-4 py-2 text-sm text-sky-900 ring-1 ring-sky-200" role="status" data-testid="prompt-log-lag">
      {message}
    </p>
  );
}

async function PromptLogResults({ query, filter }: { query: PromptLogQuery; filter: PromptLogFilter }) {
  const [page, lag] = await Promise.all([searchPromptLog(filter), promptLogIndexLag(filter)]);
  return (
    <>
      <LagNotice message={describeIndexLag(lag, { searching: Boolean(query.q) })} />
      <ResultsBody query={query} page={page} />
    </>
  );
}

function ResultsBody({ query, page }: { query: PromptLogQuery; page: PromptLogPage }) {
  const asked = describe({ ...query, cursor: undefined });
  if (page.timedOut) {
    return (
      <EmptyState title="The search took too long">
        Narrow it down: add a rarer word, an agent or a time range.
      </EmptyState>
    );
  }
  if (page.noTerms) {
    return <EmptyState title={`Nothing to search for in “${query.q}”`}>The search needs at least one word or number; operators and punctuation alone match nothing.</EmptyState>;
  }
  const more = page.nextCursor ? `/prompts/log?${promptLogQueryString(query, { cursor: page.nextCursor })}` : null;
  if (page.rows.length === 0 && !page.partial) {
    return (
      <EmptyState title={asked ? `No LLM call matches ${asked}` : "No LLM calls yet"}>
        {asked
          ? query.cursor
            ? "No more calls on later pages."
            : "Try other words, fewer filters or a wider time range."
          : "LLM calls appear here once agents send OpenTelemetry GenAI spans (with gen_ai.input.messages / gen_ai.output.messages) or batches to /api/v1/ingest."}
      </EmptyState>
    );
  }
  return (
    <>
      {page.partial && (
        <p className="mb-3 rounded-md bg-slate-100 px-4 py-2 text-sm text-slate-700" role="status" data-testid="prompt-log-partial">
          Searched the calls back to {formatUtc(page.searchedBack)}: these words are common but rarely match together, so the search stopped there.{" "}
          {more && (
            <Link href={more} className="font-medium text-brand-700 hover:underline">
              Search older calls
            </Link>
          )}
        </p>
      )}
      {page.rows.length > 0 && (
        <Card>
          <PromptLogTable rows={page.rows} />
          <div className="flex items-center justify-between border-t border-slate-100 px-4 py-3 text-sm text-slate-600">
            <span>
              {page.rows.length.toLocaleString("en-US")} calls shown{query.cursor ? " (later page)" : ""}
            </span>
            <span className="flex gap-2">
              {query.cursor && (
                <Link href={`/prompts/log?${promptLogQueryString(query, { cursor: undefined })}`} className={buttonClass("secondary", "sm")}>
                  First page
                </Link>
              )}
              {more && (
                <Link href={more} className={buttonClass("secondary", "sm")} rel="next">
                  Load more
                </Link>
              )}
            </span>
          </div>
        </Card>
      )}
    </>
  );
}

function LogSkeleton() {
  return (
    <div className="space-y-2" aria-busy="true" aria-label="Searching the prompt log">
      {[0, 1, 2, 3, 4, 5].map((i) => (
        <div key={i} className="h-20 animate-pulse rounded bg-slate-200/60" />
      ))}
    </div>
  );
}
