import Link from "next/link";
import { Card, CardHeader } from "@/components/ui/card";
import { Table, Td, Th } from "@/components/ui/table";
import { Time } from "@/components/ui/time";
import type { ToolFailureRow } from "@/lib/overview/queries";

export function ToolFailures({ rows, hours }: { rows: ToolFailureRow[]; hours: number }) {
  return (
    <Card data-testid="tool-failures">
      <CardHeader title="Tool failures by tool" description={`Failed tool calls in the last ${hours} hours.`} />
      {rows.length === 0 ? (
        <p className="px-5 py-4 text-sm text-slate-500">No tool call failed in the last {hours} hours.</p>
      ) : (
        <Table>
          <thead className="bg-slate-50">
            <tr>
              <Th>Tool</Th>
              <Th className="text-right">Failures</Th>
              <Th className="text-right">Runs</Th>
              <Th>Latest error</Th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {rows.map((r) => (
              <tr key={r.tool}>
                <Td className="font-mono text-xs">{r.tool}</Td>
                <Td className="text-right tabular-nums">{r.failures.toLocaleString("en-US")}</Td>
                <Td className="text-right tabular-nums">{r.runs.toLocaleString("en-US")}</Td>
                <Td className="max-w-md text-xs">
                  <Link href={`/runs/${r.lastRunId}`} className="line-clamp-2 text-red-700 hover:underline">
                    {r.lastError ?? "failed"}
                  </Link>
                  <span className="text-slate-500">
                    <Time value={r.lastAt} />
                  </span>
                </Td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
    </Card>
  );
}
