// The Prompt log's search form: a GET form, so a search is a link to share; names are suggested, not imposed.
import Link from "next/link";
import { Button } from "@/components/ui/button";
import { inputClass } from "@/components/ui/field";
import { MAX_SEARCH_CHARS, type PromptLogQuery } from "@/lib/prompts/log/params";

const label = "text-xs font-medium text-slate-600";

export interface PromptLogFacets {
  agents: string[];
  teams: string[];
  prompts: string[];
  models: string[];
}

function Suggestions({ id, values }: { id: string; values: string[] }) {
  return (
    <datalist id={id}>
      {values.map((v) => (
        <option key={v} value={v} />
      ))}
    </datalist>
  );
}

export function PromptLogFilters({ query, facets }: { query: PromptLogQuery; facets: PromptLogFacets }) {
  return (
    <form method="get" action="/prompts/log" className="mb-4 grid grid-cols-2 gap-3 md:grid-cols-6" role="search" aria-label="Search the prompt log">
      <label className={`col-span-2 md:col-span-6 ${label}`}>
        Search what was sent and what came back
        <input
          type="search"
          name="q"
          defaultValue={query.q}
          maxLength={MAX_SEARCH_CHARS}
          placeholder={'Words, "an exact phrase", refund or credit, -draft'}
          aria-describedby="prompt-log-search-hint"
          className={`${inputClass} mt-1`}
        />
      </label>
      <p id="prompt-log-search-hint" className="col-span-2 -mt-2 text-xs text-slate-500 md:col-span-6">
        Every word must occur (any case, exact words: no stemming); quote a phrase, use <code>or</code> between alternatives and{" "}
        <code>-word</code> to exclude one.
      </p>
      <label className={label}>
        Prompt
        <input name="prompt" list="prompt-log-prompts" defaultValue={query.prompt} maxLength={100} className={`${inputClass} mt-1`} />
      </label>
      <label className={label}>
        Version
        <input name="version" inputMode="numeric" pattern="[1-9][0-9]*" defaultValue={query.version} maxLength={7} className={`${inputClass} mt-1`} />
      </label>
      <label className={label}>
        Model
        <input name="model" list="prompt-log-models" defaultValue={query.model} maxLength={200} className={`${inputClass} mt-1`} />
      </label>
      <label className={label}>
        Agent
        <input name="agent" list="prompt-log-agents" defaultValue={query.agent} maxLength={200} className={`${inputClass} mt-1`} />
      </label>
      <label className={label}>
        Team
        <input name="team" list="prompt-log-teams" defaultValue={query.team} maxLength={200} className={`${inputClass} mt-1`} />
      </label>
      <div className="hidden md:block" />
      <label className={label}>
        From (UTC)
        <input type="datetime-local" name="from" defaultValue={query.from} className={`${inputClass} mt-1`} />
      </label>
      <label className={label}>
        To (UTC)
        <input type="datetime-local" name="to" defaultValue={query.to} className={`${inputClass} mt-1`} />
      </label>
      <div className="col-span-2 flex items-end gap-2 md:col-span-4">
        <Button type="submit">Search</Button>
        <Link href="/prompts/log" className="px-2 py-2 text-sm text-slate-600 hover:underline">
          Clear
        </Link>
      </div>
      <Suggestions id="prompt-log-prompts" values={facets.prompts} />
      <Suggestions id="prompt-log-models" values={facets.models} />
      <Suggestions id="prompt-log-agents" values={facets.agents} />
      <Suggestions id="prompt-log-teams" values={facets.teams} />
    </form>
  );
}
