// Says which query parameters a page ignored (malformed, out of range, not its own
// cursor) so a shared or edited link does not silently show something else.
import type { IgnoredQueryParam } from "@/lib/security/page-query";

export function QueryNotice({ ignored, noun = "filter" }: { ignored: readonly IgnoredQueryParam[]; noun?: string }) {
  if (ignored.length === 0) return null;
  return (
    <div role="status" className="mb-4 rounded-md bg-amber-50 px-4 py-2 text-sm text-amber-900 ring-1 ring-amber-200" data-testid="query-notice">
      <ul className="space-y-0.5">
        {ignored.map((i) => (
          <li key={i.name}>
            Ignored the {noun} <code className="rounded bg-amber-100 px-1">{i.name}</code>: {i.reason}
          </li>
        ))}
      </ul>
    </div>
  );
}
