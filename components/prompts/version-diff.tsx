/** The compare form (two versions) and the side-by-side diff of their templates, configs and placeholders. */
import { buttonClass } from "@/components/ui/button";
import { inputClass } from "@/components/ui/field";
import { cn } from "@/components/ui/cn";
import type { ConfigChange, DiffRow, DiffSide } from "@/lib/prompts/diff";

export function CompareForm({ name, versions, from, to }: { name: string; versions: number[]; from?: number; to?: number }) {
  return (
    <form method="get" action={`/prompts/${name}`} className="flex flex-wrap items-end gap-3" aria-label="Compare versions">
      <div className="space-y-1">
        <label htmlFor="compare-from" className="block text-sm font-medium text-slate-700">
          From
        </label>
        <select id="compare-from" name="from" defaultValue={from ?? versions[1] ?? versions[0]} className={inputClass}>
          {versions.map((v) => (
            <option key={v} value={v}>
              v{v}
            </option>
          ))}
        </select>
      </div>
      <div className="space-y-1">
        <label htmlFor="compare-to" className="block text-sm font-medium text-slate-700">
          To
        </label>
        <select id="compare-to" name="to" defaultValue={to ?? versions[0]} className={inputClass}>
          {versions.map((v) => (
            <option key={v} value={v}>
              v{v}
            </option>
          ))}
        </select>
      </div>
      <button type="submit" className={buttonClass("secondary")}>
        Compare
      </button>
    </form>
  );
}

function Cell({ side, tone }: { side: DiffSide | null; tone: "del" | "ins" }) {
  if (!side) return <td className="w-1/2 bg-slate-50" colSpan={2} />;
  const mark = tone === "del" ? "bg-red-200 text-red-900" : "bg-emerald-200 text-emerald-900";
  return (
    <>
      <td className="w-10 select-none px-2 text-right align-top font-mono text-xs text-slate-400">{side.line}</td>
      <td className="w-1/2 whitespace-pre-wrap break-words px-2 font-mono text-xs">
        {side.segments.map((s, i) =>
          s.changed ? (
            tone === "del" ? (
              <del key={i} className={cn("rounded-sm no-underline", mark)}>
                {s.text}
              </del>
            ) : (
              <ins key={i} className={cn("rounded-sm no-underline", mark)}>
                {s.text}
              </ins>
            )
          ) : (
            <span key={i}>{s.text}</span>
          ),
        )}
      </td>
    </>
  );
}

const ROW_TONE: Record<DiffRow["kind"], string> = {
  same: "",
  changed: "bg-amber-50/60",
  removed: "bg-red-50",
  added: "bg-emerald-50",
};

export function TemplateDiff({ rows, fromVersion, toVersion }: { rows: DiffRow[]; fromVersion: number; toVersion: number }) {
  const changed = rows.some((r) => r.kind !== "same");
  return (
    <div className="overflow-x-auto">
      {!changed && <p className="px-5 py-3 text-sm text-slate-600">The templates are identical.</p>}
      <table className="min-w-full table-fixed text-sm" aria-label={`Template diff v${fromVersion} → v${toVersion}`} data-testid="template-diff">
        <thead className="bg-slate-50 text-xs font-semibold uppercase tracking-wide text-slate-500">
          <tr>
            <th colSpan={2} scope="col" className="px-2 py-2 text-left">
              v{fromVersion}
            </th>
            <th colSpan={2} scope="col" className="px-2 py-2 text-left">
              v{toVersion}
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i} className={ROW_TONE[r.kind]} data-kind={r.kind}>
              <Cell side={r.left} tone="del" />
              <Cell side={r.right} tone="ins" />
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const show = (v: unknown) => JSON.stringify(v);

export function ConfigDiff({ changes }: { changes: ConfigChange[] }) {
  if (changes.length === 0) return <p className="text-sm text-slate-600">The configs are identical.</p>;
  return (
    <ul className="space-y-1 font-mono text-xs" data-testid="config-diff">
      {changes.map((c) => (
        <li key={c.key}>
          <span className="font-semibold">{c.key}</span>{" "}
          {c.kind === "added" && <span className="text-emerald-700">added: {show(c.after)}</span>}
          {c.kind === "removed" && <span className="text-red-700">removed (was {show(c.before)})</span>}
          {c.kind === "changed" && (
            <span>
              <del className="text-red-700">{show(c.before)}</del> → <ins className="text-emerald-700 no-underline">{show(c.after)}</ins>
            </span>
          )}
        </li>
      ))}
    </ul>
  );
}
