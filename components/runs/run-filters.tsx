import Link from "next/link";
import { Button } from "@/components/ui/button";
import { inputClass } from "@/components/ui/field";
import { FLAG_LABELS, RUN_FLAGS, RUN_SORTS, RUN_STATUSES, runFilterQuery, SORT_LABELS, type RunFilter } from "@/lib/runs/schemas";
import { STATUS_LABELS } from "./badges";

const label = "text-xs font-medium text-slate-600";

/** A GET form: every filter lives in the URL, so a filtered view is a link to share. */
export function RunFilters({ facets, filter }: { facets: { agents: string[]; teams: string[] }; filter: RunFilter }) {
  return (
    <form method="get" action="/runs" className="mb-4 grid grid-cols-2 gap-3 md:grid-cols-6" role="search" aria-label="Filter runs">
      {filter.prompt && (
        <p className="col-span-2 text-sm text-slate-700 md:col-span-6">
          <input type="hidden" name="prompt" value={filter.prompt} />
          {filter.promptVersion && <input type="hidden" name="promptVersion" value={filter.promptVersion} />}
          Runs that called prompt <code className="font-mono">{filter.prompt}</code>
          {filter.promptVersion ? ` v${filter.promptVersion}` : ""}.{" "}
          <Link href={`/prompts/${filter.prompt}`} className="text-brand-700 hover:underline">
            Open the prompt
          </Link>
        </p>
      )}
      {filter.model && (
        <p className="col-span-2 text-sm text-slate-700 md:col-span-6">
          <input type="hidden" name="model" value={filter.model} />
          Runs with a call to model <code className="font-mono">{filter.model}</code>.{" "}
          <Link href={`/runs?${runFilterQuery(filter, { model: undefined, cursor: undefined })}`} className="text-brand-700 hover:underline">
            Any model
          </Link>
        </p>
      )}
      <label className={`col-span-2 ${label}`}>
        Search
        <input name="q" defaultValue={filter.q} placeholder="Run name, error message or trace id" className={`${inputClass} mt-1`} />
      </label>
      <label className={label}>
        Agent
        <select name="agent" defaultValue={filter.agent ?? ""} className={`${inputClass} mt-1`}>
          <option value="">Any</option>
          {facets.agents.map((a) => (
            <option key={a}>{a}</option>
          ))}
        </select>
      </label>
      <label className={label}>
        Team
        <select name="team" defaultValue={filter.team ?? ""} className={`${inputClass} mt-1`}>
          <option value="">Any</option>
          {facets.teams.map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
      </label>
      <label className={label}>
        Status
        <select name="status" defaultValue={filter.status ?? ""} className={`${inputClass} mt-1`}>
          <option value="">Any</option>
          {RUN_STATUSES.map((s) => (
            <option key={s} value={s}>
              {STATUS_LABELS[s]}
            </option>
          ))}
        </select>
      </label>
      <label className={label}>
        Sort
        <select name="sort" defaultValue={filter.sort} className={`${inputClass} mt-1`}>
          {RUN_SORTS.map((s) => (
            <option key={s} value={s}>
              {SORT_LABELS[s]}
            </option>
          ))}
        </select>
      </label>
      <label className={label}>
        From (UTC)
        <input type="datetime-local" name="from" defaultValue={filter.from} className={`${inputClass} mt-1`} />
      </label>
      <label className={label}>
        To (UTC)
        <input type="datetime-local" name="to" defaultValue={filter.to} className={`${inputClass} mt-1`} />
      </label>
      <label className={label}>
        Output
        <select name="output" defaultValue={filter.output ?? ""} className={`${inputClass} mt-1`}>
          <option value="">Any</option>
          <option value="good">Good output</option>
          <option value="bad">Bad output</option>
          <option value="unscored">Not scored</option>
        </select>
      </label>
      <label className={label}>
        Outcome
        <select name="outcome" defaultValue={filter.outcome ?? ""} className={`${inputClass} mt-1`}>
          <option value="">Any</option>
          <option value="success">Success</option>
          <option value="failure">Failure</option>
          <option value="unknown">Unknown</option>
        </select>
      </label>
      <fieldset className="col-span-2 md:col-span-2">
        <legend className={label}>Flags (all of)</legend>
        <div className="mt-2 flex flex-wrap gap-x-3 gap-y-1">
          {RUN_FLAGS.map((f) => (
            <label key={f} className="flex items-center gap-1.5 text-sm text-slate-700">
              <input type="checkbox" name="flag" value={f} defaultChecked={filter.flag.includes(f)} className="h-4 w-4 rounded border-slate-300" />
              {FLAG_LABELS[f]}
            </label>
          ))}
        </div>
      </fieldset>
      <div className="col-span-2 flex items-end gap-2 md:col-span-6">
        <Button type="submit">Filter</Button>
        <Link href="/runs" className="px-2 py-2 text-sm text-slate-600 hover:underline">
          Clear
        </Link>
      </div>
    </form>
  );
}
