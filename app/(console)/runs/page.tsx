import type { Metadata } from "next";
import { AreaPlaceholder } from "@/components/shell/area-placeholder";
import { requirePageScope } from "@/lib/session";

export const metadata: Metadata = { title: "Runs" };

export default async function Page() {
  await requirePageScope("runs:read");
  return (
    <AreaPlaceholder
      title="Runs"
      description="Every agent run with its decision timeline: LLM calls, tool calls, decisions and their failures, loops and stalls."
      plan="Runs appear here once agents send OpenTelemetry GenAI spans to /api/otel/v1/traces or batches to /api/v1/ingest."
    />
  );
}
