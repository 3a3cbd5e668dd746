// Shown while a console page streams in.
export default function Loading() {
  return (
    <div aria-busy="true" aria-label="Loading" className="animate-pulse space-y-4">
      <div className="h-7 w-48 rounded bg-slate-200" />
      <div className="h-4 w-96 max-w-full rounded bg-slate-200" />
      <div className="mt-6 h-64 rounded-lg bg-slate-200/70" />
    </div>
  );
}
