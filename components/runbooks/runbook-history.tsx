// A runbook's "History" disclosure: each version with who, when and why, and its text on demand.
import { Time } from "@/components/ui/time";
import type { RunbookHistory } from "@/lib/runbooks/queries";
import { RunbookText } from "./runbook-text";

export function RunbookHistoryList({ history, current, policy = false }: { history: RunbookHistory; current: number; policy?: boolean }) {
  const { versions, older } = history;
  if (versions.length === 0) return null;
  const noun = policy ? "policy version" : "version";
  return (
    <details className="group text-sm" data-testid="runbook-history">
      <summary className="cursor-pointer font-medium text-slate-700 hover:text-slate-900">
        History ({versions.length + older} version{versions.length + older === 1 ? "" : "s"})
      </summary>
      <ol className="mt-2 divide-y divide-slate-100 rounded-md ring-1 ring-slate-200">
        {versions.map((v) => (
          <li key={v.version} className="px-3 py-2" data-testid="runbook-version">
            <p className="text-slate-700">
              <span className="font-medium text-slate-900">
                {noun[0]!.toUpperCase() + noun.slice(1)} {v.version}
              </span>
              {v.version === current && <span className="text-slate-600"> (current)</span>} · {v.createdBy ?? "unknown"} · <Time value={v.createdAt} />
            </p>
            {v.message && <p className="mt-0.5 text-slate-600">“{v.message}”</p>}
            {v.body === "" ? (
              <p className="mt-1 text-xs text-slate-600">This version removed the text.</p>
            ) : (
              <details className="mt-1">
                <summary className="cursor-pointer text-xs font-medium text-brand-700 hover:underline">Show the text of {noun} {v.version}</summary>
                <div className="mt-2 rounded-md bg-slate-50 p-3">
                  <RunbookText body={v.body} />
                </div>
              </details>
            )}
          </li>
        ))}
      </ol>
      {older > 0 && <p className="mt-2 text-xs text-slate-600">{older} older version{older === 1 ? "" : "s"} not shown.</p>}
    </details>
  );
}
