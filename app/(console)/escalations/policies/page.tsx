// Escalation policies for compliance (who cannot open Settings): the same section as Settings › Policies.
import type { Metadata } from "next";
import { Suspense } from "react";
import { PoliciesSection } from "@/components/policies/policies-section";
import { BackLink } from "@/components/ui/back-link";
import { PageHeader } from "@/components/ui/page-header";
import { hasScope } from "@/lib/rbac";
import { requirePageScope } from "@/lib/session";

export const metadata: Metadata = { title: "Escalation policies" };
export const dynamic = "force-dynamic";

export default async function PoliciesPage() {
  const me = await requirePageScope("escalations:read");
  return (
    <>
      <BackLink href="/escalations" label="Escalations" />
      <PageHeader title="Escalation policies" description="What needs clearance, who decides, and what happens at the deadline. Try a policy against the last 30 days of tool calls before saving it." />
      <Suspense fallback={<div className="h-48 animate-pulse rounded-lg border border-slate-200 bg-white" aria-busy="true" aria-label="Loading policies" />}>
        <PoliciesSection canWrite={hasScope(me.role, "policies:write")} />
      </Suspense>
    </>
  );
}
