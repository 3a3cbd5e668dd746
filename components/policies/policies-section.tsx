import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { Card, CardHeader } from "@/components/ui/card";
import { describePolicyState } from "@/lib/escalations/policies/applier";
import { listPolicies, policyScopeOptions } from "@/lib/escalations/policies/queries";
import { PolicyForm } from "./policy-form";

/**
 * Escalation policies (Settings, and the escalations' Policies page): each
 * with what it catches and its version, any change waiting on it, and an edit
 * form; a form for a new one. Tightening applies at once; loosening waits for
 * a second person (the form says which before saving). `canWrite` false: read only.
 */
export async function PoliciesSection({ canWrite }: { canWrite: boolean }) {
  const [policies, options] = await Promise.all([listPolicies(), policyScopeOptions()]);
  return (
    <Card id="policies">
      <CardHeader
        title="Escalation policies"
        description="When an agent's action needs a person's clearance, who decides, the SLA, and what happens at the deadline (reject by default: fail closed). Loosening a policy needs a second person's approval; tightening applies at once."
      />
      {policies.length === 0 ? (
        <p className="px-5 py-4 text-sm text-slate-600">No policy yet: every clearance request is cleared at once (and recorded).</p>
      ) : (
        <ul className="divide-y divide-slate-100" data-testid="policy-list">
          {policies.map((p) => (
            <li key={p.id} id={`policy-${p.id}`} className="px-5 py-3" data-testid="policy-row">
              <div className="flex flex-wrap items-center gap-2">
                <span className="font-medium text-slate-900">{p.name}</span>
                <Badge tone="gray">v{p.version}</Badge>
                {!p.enabled && <Badge tone="amber">disabled</Badge>}
                {p.pendingChange && (
                  <Link href={`/changes/${p.pendingChange.id}`} className="text-xs text-brand-700 hover:underline">
                    A change waits for approval
                  </Link>
                )}
              </div>
              <p className="mt-0.5 text-xs text-slate-600">{describePolicyState(p)}</p>
              {canWrite && (
                <details className="mt-2">
                  <summary className="cursor-pointer text-sm text-brand-700">Change this policy</summary>
                  <div className="mt-3">
                    <PolicyForm policy={p} agents={options.agents} teams={options.teams} />
                  </div>
                </details>
              )}
            </li>
          ))}
        </ul>
      )}
      {canWrite && (
        <details className="border-t border-slate-100 px-5 py-4" open={policies.length === 0}>
          <summary className="cursor-pointer text-sm font-medium text-brand-700">New policy</summary>
          <div className="mt-3">
            <PolicyForm policy={null} agents={options.agents} teams={options.teams} />
          </div>
        </details>
      )}
    </Card>
  );
}
