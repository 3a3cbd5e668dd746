// Settings › API keys: the keys with their scopes, use and what each ingested (the ledger), the create and revoke forms.
// A server component: it reads the ingestion ledger itself (lib/telemetry/ledger.ts); the forms are client parts.
import { Badge } from "@/components/ui/badge";
import { Card, CardHeader } from "@/components/ui/card";
import { Table, Td, Th } from "@/components/ui/table";
import { Time } from "@/components/ui/time";
import { getKeyIngestSummaries } from "@/lib/telemetry/ledger";
import { CreateKeyForm, RevokeForm } from "./api-key-forms";
import { KeyIngest } from "./api-key-ingest";

interface KeyRow {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
  createdBy: string | null;
  agent: string | null;
}

export async function ApiKeysSection({ keys }: { keys: KeyRow[] }) {
  const ingest = await getKeyIngestSummaries(keys.map((k) => k.id));
  return (
    <Card>
      <CardHeader
        title="API keys"
        description="Agents send telemetry and ask for clearance with these. Only a hash is stored; the key is shown once."
      />
      {keys.length === 0 ? (
        <p className="px-5 py-6 text-sm text-slate-600">No API keys yet. Create one below for your first agent.</p>
      ) : (
        <Table>
          <thead className="bg-slate-50">
            <tr>
              <Th>Name</Th>
              <Th>Scopes</Th>
              <Th>Created</Th>
              <Th>Last used</Th>
              <Th>Ingested (last 24 h)</Th>
              <Th>Status</Th>
              <Th>
                <span className="sr-only">Actions</span>
              </Th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {keys.map((k) => {
              const expired = k.expiresAt !== null && new Date(k.expiresAt) <= new Date();
              return (
                <tr key={k.id} data-testid={`api-key-row-${k.name}`}>
                  <Td>
                    <div className="font-medium text-slate-900">{k.name}</div>
                    <code className="text-xs text-slate-500">{k.prefix}…</code>
                    {k.agent && <div className="text-xs text-slate-600">agent {k.agent}</div>}
                  </Td>
                  <Td>
                    <div className="flex max-w-xs flex-wrap gap-1">
                      {k.scopes.map((s) => (
                        <Badge key={s} tone={s === "admin" ? "amber" : "gray"}>
                          {s}
                        </Badge>
                      ))}
                    </div>
                  </Td>
                  <Td className="text-xs">
                    <Time value={k.createdAt} />
                    {k.createdBy && <div className="text-slate-500">by {k.createdBy}</div>}
                  </Td>
                  <Td className="text-xs" data-testid="api-key-last-used">
                    {k.lastUsedAt ? <Time value={k.lastUsedAt} /> : <span className="text-slate-500">never</span>}
                  </Td>
                  <Td className="text-xs">
                    <KeyIngest name={k.name} summary={ingest.get(k.id) ?? null} />
                  </Td>
                  <Td>
                    {k.revokedAt ? <Badge tone="red">revoked</Badge> : expired ? <Badge tone="amber">expired</Badge> : <Badge tone="green">active</Badge>}
                  </Td>
                  <Td className="text-right">{!k.revokedAt && <RevokeForm k={k} />}</Td>
                </tr>
              );
            })}
          </tbody>
        </Table>
      )}
      <CreateKeyForm />
    </Card>
  );
}
