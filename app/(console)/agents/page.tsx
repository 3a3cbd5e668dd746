import type { Metadata } from "next";
import { AreaPlaceholder } from "@/components/shell/area-placeholder";
import { requirePageScope } from "@/lib/session";

export const metadata: Metadata = { title: "Agents" };

export default async function Page() {
  await requirePageScope("agents:read");
  return (
    <AreaPlaceholder
      title="Agents"
      description="Each agent's status, configuration version, budget use, error and loop rates, and runbook."
      plan="Agents appear here once they send telemetry. Pausing, resuming and circuit breakers come with this area."
    />
  );
}
