/** A UTC timestamp, machine-readable and the same on server and client. */
export function formatUtc(date: Date | string | null | undefined): string {
  if (!date) return "—";
  const d = typeof date === "string" ? new Date(date) : date;
  return `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

export function Time({ value }: { value: Date | string | null | undefined }) {
  if (!value) return <span className="text-slate-500">—</span>;
  const d = typeof value === "string" ? new Date(value) : value;
  return (
    <time dateTime={d.toISOString()} title={d.toISOString()}>
      {formatUtc(d)}
    </time>
  );
}
