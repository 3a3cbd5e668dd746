import type { Metadata } from "next";
import { ApiKeysSection } from "@/components/settings/api-keys-section";
import { UsersSection } from "@/components/settings/users-section";
import { PageHeader } from "@/components/ui/page-header";
import { listApiKeys } from "@/lib/api-keys/queries";
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
          }))}
        />
      </div>
    </>
  );
}
