import type { Metadata } from "next";
import { AreaPlaceholder } from "@/components/shell/area-placeholder";
import { requirePageScope } from "@/lib/session";

export const metadata: Metadata = { title: "Changes" };

export default async function Page() {
  await requirePageScope("changes:read");
  return (
    <AreaPlaceholder
      title="Changes"
      description="Proposed, applied and rolled-back changes to prompts, agent configurations, policies and budgets."
      plan="Changes are not built yet. Every change will be approved here and recorded in the audit log."
    />
  );
}
