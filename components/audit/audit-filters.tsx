import Link from "next/link";
import { Button } from "@/components/ui/button";
import { inputClass } from "@/components/ui/field";
import type { AuditFilter } from "@/lib/audit/queries";

/** A GET form: filters live in the URL, so a filtered view can be shared. */
export function AuditFilters({ facets, filter }: { facets: { actions: string[]; targetTypes: string[] }; filter: AuditFilter }) {
  return (
    <form method="get" action="/audit" className="mb-4 grid grid-cols-2 gap-3 md:grid-cols-6" role="search" aria-label="Filter audit events">
      <label className="col-span-2 text-xs font-medium text-slate-600">
        Search
        <input name="q" defaultValue={filter.q} placeholder="Target id, action or actor" className={`${inputClass} mt-1`} />
      </label>
      <label className="text-xs font-medium text-slate-600">
        Action
        <select name="action" defaultValue={filter.action ?? ""} className={`${inputClass} mt-1`}>
          <option value="">Any</option>
          {facets.actions.map((a) => (
            <option key={a}>{a}</option>
          ))}
        </select>
      </label>
      <label className="text-xs font-medium text-slate-600">
        Target
        <select name="targetType" defaultValue={filter.targetType ?? ""} className={`${inputClass} mt-1`}>
          <option value="">Any</option>
          {facets.targetTypes.map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
      </label>
      <label className="text-xs font-medium text-slate-600">
        From
        <input type="date" name="from" defaultValue={filter.from} className={`${inputClass} mt-1`} />
      </label>
      <label className="text-xs font-medium text-slate-600">
        To
        <input type="date" name="to" defaultValue={filter.to} className={`${inputClass} mt-1`} />
      </label>
      <label className="col-span-2 text-xs font-medium text-slate-600">
        Actor
        <input name="actor" defaultValue={filter.actor} placeholder="E-mail or key name" className={`${inputClass} mt-1`} />
      </label>
      <div className="col-span-2 flex items-end gap-2 md:col-span-4">
        <Button type="submit">Filter</Button>
        <Link href="/audit" className="px-2 py-2 text-sm text-slate-600 hover:underline">
          Clear
        </Link>
      </div>
    </form>
  );
}
