"use client";
/**
 * The spend view's controls: range presets (links), from/to UTC days, the
 * grouping and the filters. A GET form, so every view is a URL to share; with
 * JavaScript it navigates in place and leaves empty fields out of the URL.
 */
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useId, type FormEvent } from "react";
import { Button } from "@/components/ui/button";
import { inputClass } from "@/components/ui/field";
import { cn } from "@/components/ui/cn";
import {
  presetOf,
  presetRange,
  PRESET_LABELS,
  SPEND_GROUP_LABELS,
  SPEND_GROUPS,
  SPEND_PRESETS,
  spendQueryString,
  type SpendFilters as Filters,
  type SpendGroup,
} from "@/lib/spend/report-schema";

const label = "block text-xs font-medium text-slate-600";

export interface SpendFiltersProps {
  form: { from: string; to: string; groupBy: SpendGroup } & Filters;
  errors: Partial<Record<"from" | "to", string>>;
  today: string;
  facets: { agents: string[]; teams: string[] };
}

export function SpendFilters({ form, errors, today, facets }: SpendFiltersProps) {
  const router = useRouter();
  const id = useId();
  const active = errors.from || errors.to ? null : presetOf(form, today);
  const filters = { groupBy: form.groupBy, agent: form.agent, team: form.team, model: form.model, prompt: form.prompt };

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const params = new URLSearchParams();
    for (const [name, value] of new FormData(event.currentTarget)) {
      if (typeof value !== "string" || !value.trim() || (name === "groupBy" && value === "day")) continue;
      params.set(name, value.trim());
    }
    router.push(`/spend?${params.toString()}`);
  }

  return (
    <div className="mb-6 space-y-3">
      <nav aria-label="Date range presets">
        <ul className="flex flex-wrap gap-2">
          {SPEND_PRESETS.map((p) => (
            <li key={p}>
              <Link
                href={`/spend?${spendQueryString({ ...filters, ...presetRange(p, today) })}`}
                aria-current={active === p ? "true" : undefined}
                className={cn(
                  "inline-block rounded-md border px-2.5 py-1 text-sm",
                  active === p ? "border-brand-700 bg-brand-50 font-medium text-brand-700" : "border-slate-300 bg-white text-slate-700 hover:bg-slate-50",
                )}
              >
                {PRESET_LABELS[p]}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <form method="get" action="/spend" onSubmit={submit} className="grid grid-cols-2 gap-3 md:grid-cols-6" role="search" aria-label="Spend view">
        <DayInput id={`${id}-from`} name="from" text="From (UTC day)" value={form.from} error={errors.from} />
        <DayInput id={`${id}-to`} name="to" text="To (UTC day)" value={form.to} error={errors.to} />
        <label className={label}>
          Group by
          <select name="groupBy" defaultValue={form.groupBy} className={`${inputClass} mt-1`}>
            {SPEND_GROUPS.map((g) => (
              <option key={g} value={g}>
                {SPEND_GROUP_LABELS[g]}
              </option>
            ))}
          </select>
        </label>
        <NameSelect name="agent" text="Agent" value={form.agent} options={facets.agents} />
        <NameSelect name="team" text="Team" value={form.team} options={facets.teams} />
        <label className={label}>
          Model
          <input name="model" defaultValue={form.model} placeholder="Any" className={`${inputClass} mt-1`} />
        </label>
        <label className={`col-span-2 ${label}`}>
          Prompt
          <input name="prompt" defaultValue={form.prompt} placeholder="name or name@version" className={`${inputClass} mt-1`} />
        </label>
        <div className="col-span-2 flex items-end gap-2 md:col-span-4">
          <Button type="submit">Show</Button>
          <Link href="/spend" className="px-2 py-2 text-sm text-slate-600 hover:underline">
            Reset to the last 30 days
          </Link>
        </div>
      </form>
    </div>
  );
}

function DayInput({ id, name, text, value, error }: { id: string; name: string; text: string; value: string; error?: string }) {
  const errorId = `${id}-error`;
  return (
    <div>
      <label htmlFor={id} className={label}>
        {text}
      </label>
      <input
        id={id}
        type="date"
        name={name}
        defaultValue={value}
        min="1970-01-01"
        max="9999-12-31"
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? errorId : undefined}
        className={`${inputClass} mt-1`}
      />
      {error && (
        <p id={errorId} className="mt-1 text-xs text-red-700">
          {error}
        </p>
      )}
    </div>
  );
}

function NameSelect({ name, text, value, options }: { name: string; text: string; value?: string; options: string[] }) {
  // A name from the URL that is not (or no longer) known still shows as chosen.
  const all = value && !options.includes(value) ? [value, ...options] : options;
  return (
    <label className={label}>
      {text}
      <select name={name} defaultValue={value ?? ""} className={`${inputClass} mt-1`}>
        <option value="">Any</option>
        {all.map((o) => (
          <option key={o}>{o}</option>
        ))}
      </select>
    </label>
  );
}
