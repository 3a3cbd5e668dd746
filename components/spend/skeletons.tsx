/** What the spend page shows while a section loads: its shape, marked busy. */
export function SpendReportSkeleton() {
  return (
    <div className="space-y-4" aria-busy="true" aria-label="Loading the spend report" data-testid="spend-loading">
      <div className="grid grid-cols-2 gap-3 md:grid-cols-4">
        {[0, 1, 2, 3].map((i) => (
          <div key={i} className="h-20 animate-pulse rounded-lg bg-slate-200/70" />
        ))}
      </div>
      <div className="h-80 animate-pulse rounded-lg bg-slate-200/50" />
      {[0, 1, 2, 3, 4].map((i) => (
        <div key={i} className="h-10 animate-pulse rounded bg-slate-200/60" />
      ))}
    </div>
  );
}

export function SectionSkeleton({ label }: { label: string }) {
  return (
    <div className="mt-6 space-y-2 rounded-lg border border-slate-200 bg-white p-5" aria-busy="true" aria-label={label}>
      <div className="h-5 w-48 animate-pulse rounded bg-slate-200/70" />
      {[0, 1, 2].map((i) => (
        <div key={i} className="h-9 animate-pulse rounded bg-slate-200/60" />
      ))}
    </div>
  );
}
