// The prompt registry: every prompt with its type, labels, version count and last change; search; publish a new prompt.
import type { Metadata } from "next";
import Link from "next/link";
import { NewVersionForm } from "@/components/prompts/new-version-form";
import { PromptsTable } from "@/components/prompts/prompts-table";
import { buttonClass } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { inputClass } from "@/components/ui/field";
import { PageHeader } from "@/components/ui/page-header";
import { listPrompts } from "@/lib/prompts/queries";
import { hasScope } from "@/lib/rbac";
import { requirePageScope } from "@/lib/session";

export const metadata: Metadata = { title: "Prompts" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

const one = (v: string | string[] | undefined) => (typeof v === "string" ? v : undefined);

export default async function PromptsPage({ searchParams }: { searchParams: SearchParams }) {
  const me = await requirePageScope("prompts:read");
  const params = await searchParams;
  const q = one(params.q)?.trim().slice(0, 100) || undefined;
  const typeParam = one(params.type);
  const type = typeParam === "text" || typeParam === "chat" ? typeParam : undefined;
  const prompts = await listPrompts({ q, type });
  const filtered = Boolean(q || type);
  const canWrite = hasScope(me.role, "prompts:write");
  return (
    <>
      <PageHeader
        title="Prompts"
        description="Every prompt version, who changed it and why, and side-by-side diffs. Agents fetch them from /api/v1/prompts/{name}."
        actions={
          <Link href="/prompts/log" className={buttonClass("secondary")}>
            Prompt log: search every LLM call
          </Link>
        }
      />
      <form method="get" action="/prompts" className="mb-4 flex flex-wrap items-end gap-3" role="search" aria-label="Search prompts">
        <div className="space-y-1">
          <label htmlFor="prompt-search" className="block text-sm font-medium text-slate-700">
            Search
          </label>
          <input id="prompt-search" name="q" type="search" defaultValue={q} maxLength={100} className={inputClass} placeholder="Name or description" />
        </div>
        <div className="space-y-1">
          <label htmlFor="prompt-type" className="block text-sm font-medium text-slate-700">
            Type
          </label>
          <select id="prompt-type" name="type" defaultValue={type ?? ""} className={inputClass}>
            <option value="">Any</option>
            <option value="text">Text</option>
            <option value="chat">Chat</option>
          </select>
        </div>
        <button type="submit" className={buttonClass("secondary")}>
          Search
        </button>
        {filtered && (
          <Link href="/prompts" className={buttonClass("ghost")}>
            Clear
          </Link>
        )}
      </form>
      {prompts.length === 0 ? (
        <EmptyState title={filtered ? "No prompts match" : "No prompts yet"}>
          {filtered
            ? "Clear the search or try another name."
            : "Publish a first version below, or POST one to /api/v1/prompts/{name}/versions with a key that has prompts:write."}
        </EmptyState>
      ) : (
        <Card>
          <PromptsTable prompts={prompts} />
        </Card>
      )}
      {canWrite && (
        <Card className="mt-6">
          <CardHeader title="New prompt" description="Publish version 1 of a new prompt (or the next version of an existing one with the same name)." />
          <NewVersionForm />
        </Card>
      )}
    </>
  );
}
