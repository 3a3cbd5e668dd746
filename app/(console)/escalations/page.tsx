import type { Metadata } from "next";
import { AreaPlaceholder } from "@/components/shell/area-placeholder";
import { requirePageScope } from "@/lib/session";

export const metadata: Metadata = { title: "Escalations" };

export default async function Page() {
  await requirePageScope("escalations:read");
  return (
    <AreaPlaceholder
      title="Escalations"
      description="Actions waiting for clearance, sorted by SLA; approve or reject with a comment, four eyes where policy says so."
      plan="The escalation queue is not built yet. Agents will ask for clearance through POST /api/v1/escalations."
    />
  );
}
