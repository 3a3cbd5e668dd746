import type { VerifyResult } from "@/lib/audit";

export function ChainStatus({ result }: { result: VerifyResult }) {
  if (result.ok) {
    return (
      <div role="status" data-testid="chain-status" className="mb-5 rounded-md border border-emerald-200 bg-emerald-50 px-4 py-3 text-sm text-emerald-800">
        <strong>Chain intact.</strong> All {result.checked.toLocaleString("en")} events verified; each one’s hash covers the one before it.
      </div>
    );
  }
  return (
    <div role="alert" data-testid="chain-status" className="mb-5 rounded-md border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-800">
      <strong>Chain broken at event #{result.break!.seq.toString()}.</strong> {result.break!.message} {result.checked.toLocaleString("en")} events
      before it verified. Treat this as a security incident: restore the log from a backup and find out who had write access to the database.
    </div>
  );
}
