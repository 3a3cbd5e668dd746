// What a replay found: when the breaker would have fired over the last 30 days, with links to the runs.
import Link from "next/link";
import { Time } from "@/components/ui/time";
import type { ReplayResult } from "@/lib/agents/breakers/replay";

const MAX_SHOWN = 50;
const RUNS_SHOWN = 5;

export function ReplayView({ result }: { result: ReplayResult }) {
  const shown = result.trips.slice(0, MAX_SHOWN);
  return (
    <div className="space-y-2 rounded-md bg-slate-50 p-3 text-sm ring-1 ring-slate-200" data-testid="breaker-replay">
      <p className="font-medium text-slate-800">{result.summary}</p>
      <p className="text-xs text-slate-600">
        {result.description}; read {result.scanned.toLocaleString("en-US")} samples from <Time value={result.from} /> to <Time value={result.to} />.
      </p>
      {shown.length > 0 && (
        <ol className="space-y-1.5" aria-label="When it would have fired">
          {shown.map((t) => (
            <li key={t.at} className="text-xs text-slate-700" data-testid="breaker-replay-trip">
              <Time value={t.at} /> · <span className="font-medium">{t.valueText}</span> — {t.message}
              {t.runIds.length > 0 && (
                <span className="ml-1">
                  Runs:{" "}
                  {t.runIds.slice(0, RUNS_SHOWN).map((id, i) => (
                    <span key={id}>
                      {i > 0 && ", "}
                      <Link href={`/runs/${id}`} className="font-mono text-brand-700 hover:underline">
                        {id.slice(-8)}
                      </Link>
                    </span>
                  ))}
                  {t.runIds.length > RUNS_SHOWN && ` and ${t.runIds.length - RUNS_SHOWN} more`}
                </span>
              )}
            </li>
          ))}
        </ol>
      )}
      {result.count > shown.length && <p className="text-xs text-slate-600">{(result.count - shown.length).toLocaleString("en-US")} more not listed.</p>}
    </div>
  );
}
