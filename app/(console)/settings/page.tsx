import type { Metadata } from "next";
import { Suspense } from "react";
import { ApiKeysSection } from "@/components/settings/api-keys-section";
import { PoliciesSection } from "@/components/policies/policies-section";
import { ModelPricesSection } from "@/components/settings/model-prices-section";
import { RedactionSection } from "@/components/settings/redaction-section";
import { SystemSection } from "@/components/settings/system-section";
import { UsersSection } from "@/components/settings/users-section";
import { WebhooksSection } from "@/components/settings/webhooks-section";
import { PageHeader } from "@/components/ui/page-header";
import { listApiKeys } from "@/lib/api-keys/queries";
import { getPriceRecomputeOverview, listModelPrices, priceRecomputeJson } from "@/lib/spend/prices/queries";
import { getRedactionSettings } from "@/lib/redaction/queries";
import { listUsers } from "@/lib/users/queries";
import { requirePageScope } from "@/lib/session";

export const metadata: Metadata = { title: "Settings" };

export default async function SettingsPage() {
  const me = await requirePageScope("admin");
  const [users, keys] = await Promise.all([listUsers(), listApiKeys()]);
  return (
    <>
      <PageHeader title="Settings" description="People and their roles, and the API keys agents and integrations use." />
      <div className="space-y-8">
        <UsersSection
          meId={me.id}
          users={users.map((u) => ({
            id: u.id,
            email: u.email,
            name: u.name,
            role: u.role,
            disabled: u.disabled,
            lastLoginAt: u.lastLoginAt?.toISOString() ?? null,
            sso: Boolean(u.oidcSubject),
          }))}
        />
        <ApiKeysSection
          keys={keys.map((k) => ({
            id: k.id,
            name: k.name,
            prefix: k.prefix,
            scopes: k.scopes,
            createdAt: k.createdAt.toISOString(),
            lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
            expiresAt: k.expiresAt?.toISOString() ?? null,
            revokedAt: k.revokedAt?.toISOString() ?? null,
            createdBy: k.createdBy?.email ?? null,
            agent: k.agent?.name ?? null,
          }))}
        />
        <Suspense fallback={<SectionSkeleton title="Model prices" />}>
          <ModelPrices />
        </Suspense>
        <Suspense fallback={<SectionSkeleton title="Redaction" />}>
          <Redaction />
        </Suspense>
        <Suspense fallback={<SectionSkeleton title="Escalation policies" />}>
          <PoliciesSection canWrite />
        </Suspense>
        <Suspense fallback={<SectionSkeleton title="System" />}>
          <SystemSection />
        </Suspense>
        <Suspense fallback={<SectionSkeleton title="Webhooks" />}>
          <WebhooksSection />
        </Suspense>
      </div>
    </>
  );
}

function SectionSkeleton({ title }: { title: string }) {
  return (
    <div className="h-48 animate-pulse rounded-lg border border-slate-200 bg-white p-5" aria-busy="true" aria-label={`Loading ${title}`}>
      <div className="h-4 w-40 rounded bg-slate-200" />
    </div>
  );
}

async function ModelPrices() {
  const [prices, recompute] = await Promise.all([listModelPrices(), getPriceRecomputeOverview()]);
  return (
    <ModelPricesSection
      prices={prices.map((p) => ({
        id: p.id,
        model: p.model,
        matchPattern: p.matchPattern,
        inputPerMillion: p.inputPerMillion,
        outputPerMillion: p.outputPerMillion,
        cachedInputPerMillion: p.cachedInputPerMillion,
        effectiveFrom: p.effectiveFrom.toISOString(),
        status: p.status,
        supersededAt: p.supersededAt?.toISOString() ?? null,
      }))}
      recompute={{
        active: recompute.active.map(priceRecomputeJson),
        latest: recompute.latest ? priceRecomputeJson(recompute.latest) : null,
        unpriced: recompute.unpriced,
      }}
    />
  );
}

async function Redaction() {
  const settings = await getRedactionSettings();
  return <RedactionSection enabled={settings.enabled} builtins={settings.builtins} custom={settings.custom} />;
}
