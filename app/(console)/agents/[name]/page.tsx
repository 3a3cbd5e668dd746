// One agent: its status and kill switch, health, breakers, runbook, configuration (every version with the change behind it, the form to propose
// the next) and one timeline of its pauses, trips and configuration changes.
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { BreakersSection } from "@/components/agents/breakers/section";
import { BudgetUse, OpenEscalations, Rate, StatusBadge } from "@/components/agents/health";
import { AgentHistory } from "@/components/agents/history";
import { KillSwitch } from "@/components/agents/kill-switch";
import { StatusBanner } from "@/components/agents/status-banner";
import { ConfigProtectionForm } from "@/components/agents/protection-form";
import { RunbookCard } from "@/components/runbooks/runbook-card";
import { ProposeConfigForm } from "@/components/agents/propose-config-form";
import { ChangeStatusBadge } from "@/components/changes/change-badges";
import { ActionNotice } from "@/components/ui/action-notice";
import { Badge } from "@/components/ui/badge";
import { Card, CardHeader } from "@/components/ui/card";
import { Fact } from "@/components/ui/fact";
import { BackLink } from "@/components/ui/back-link";
import { PageHeader } from "@/components/ui/page-header";
import { Table, Td, Th } from "@/components/ui/table";
import { Time } from "@/components/ui/time";
import { getAgent, type AgentConfigRow } from "@/lib/agents/queries";
import { hasScope } from "@/lib/rbac";
import { requirePageScope } from "@/lib/session";

type Params = Promise<{ name: string }>;

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  return { title: `Agent ${decodeURIComponent((await params).name)}` };
}

const limits = (l: Record<string, number>) => (Object.keys(l).length ? Object.entries(l).map(([k, v]) => `${k} ${v.toLocaleString("en-US")}`).join(", ") : "none");

export default async function AgentPage({ params }: { params: Params }) {
  const me = await requirePageScope("agents:read");
  const name = decodeURIComponent((await params).name);
  if (name.length > 200) notFound();
  const agent = await getAgent(name);
  if (!agent) notFound();
  const current = agent.current;
  const canPropose = hasScope(me.role, "agents:write");
  const canControl = hasScope(me.role, "agents:control");
  return (
    <>
      <BackLink href="/agents" label="Agents" />
      <PageHeader
        title={agent.name}
        description={agent.description ?? `Team ${agent.team ?? "none"} · autonomy level ${agent.autonomyLevel}`}
        actions={
          <>
            <StatusBadge status={agent.status} />
            {agent.configProtected && <Badge tone="violet">configuration protected</Badge>}
            <Link href={`/runs?agent=${encodeURIComponent(agent.name)}`} className="text-sm text-brand-700 hover:underline">
              Runs
            </Link>
            {canControl && <KillSwitch target="agent" name={agent.name} current={agent.status} to={agent.status === "ACTIVE" ? "PAUSED" : "ACTIVE"} tripReason={agent.statusReason} />}
          </>
        }
      />
      <ActionNotice className="mb-4 empty:hidden" />
      <StatusBanner agent={agent} />
      <Card className="mb-6">
        <dl className="grid grid-cols-2 gap-x-6 gap-y-3 px-5 py-4 text-sm sm:grid-cols-3 lg:grid-cols-6" aria-label="Health">
          <Fact label="Configuration">{current ? `v${current.version}` : "none yet"}</Fact>
          <Fact label="Autonomy level">{agent.autonomyLevel}</Fact>
          <Fact label="Spend this month">
            <BudgetUse health={agent.health} />
          </Fact>
          <Fact label="Failed runs (24 h · 7 d)">
            <Rate day={agent.health.day} week={agent.health.week} of="failed" />
          </Fact>
          <Fact label="Looping runs (24 h · 7 d)">
            <Rate day={agent.health.day} week={agent.health.week} of="looping" />
          </Fact>
          <Fact label="Open escalations">
            <OpenEscalations agent={agent.name} count={agent.health.openEscalations} none="none" />
          </Fact>
        </dl>
      </Card>
      <div className="mb-6 grid gap-6 lg:grid-cols-2">
        <BreakersSection agent={{ id: agent.id, name: agent.name }} canManage={canControl} />
        <RunbookCard target="AGENT" targetId={agent.id} targetName={agent.name} canEdit={hasScope(me.role, "agents:write")} />
      </div>
      <div className="grid gap-6 lg:grid-cols-2">
        <Card>
          <CardHeader title={current ? `Current configuration: v${current.version}` : "No configuration yet"} description={current ? `Since ${current.createdAt.toISOString().slice(0, 10)}, by ${current.createdBy ?? "unknown"}` : "Propose the first version: it applies once approved."} />
          {current && <ConfigFacts config={current} />}
          {hasScope(me.role, "admin") && (
            <div className="border-t border-slate-100">
              <ConfigProtectionForm agent={agent.name} configProtected={agent.configProtected} />
            </div>
          )}
          {agent.pendingChangeId && (
            <p className="border-t border-slate-100 px-5 py-3 text-sm">
              A new configuration is{" "}
              <Link href={`/changes/${agent.pendingChangeId}`} className="font-medium text-brand-700 hover:underline">
                waiting for approval
              </Link>
              .
            </p>
          )}
        </Card>
        {canPropose && (
          <Card>
            <CardHeader title="Propose a configuration" description={agent.configProtected ? "Creates the next version; it applies when another person approves it." : "Creates the next version and applies it at once (not protected)."} />
            <ProposeConfigForm
              agent={agent.name}
              isProtected={agent.configProtected}
              defaults={{
                model: current?.model ?? "",
                promptName: current?.promptName ?? "",
                promptLabel: current?.promptLabel ?? "production",
                allowedTools: current?.allowedTools.join("\n") ?? "",
                authorityLimits: current && Object.keys(current.authorityLimits).length ? JSON.stringify(current.authorityLimits, null, 2) : "",
                autonomyLevel: String(current?.autonomyLevel ?? agent.autonomyLevel),
              }}
            />
          </Card>
        )}
      </div>
      <Card className="mt-6">
        <CardHeader title="Configuration history" description="Every version, newest first, with the change that proposed it. Versions never change once created." />
        {agent.versions.length === 0 ? (
          <p className="px-5 py-4 text-sm text-slate-600">No configuration version yet.</p>
        ) : (
          <Table>
            <caption className="sr-only">Configuration versions</caption>
            <thead className="bg-slate-50">
              <tr>
                <Th>Version</Th>
                <Th>Model</Th>
                <Th>Prompt</Th>
                <Th>Tools</Th>
                <Th>Authority limits</Th>
                <Th>Proposed</Th>
                <Th>Change</Th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {agent.versions.map((v) => (
                <tr key={v.version} data-testid={`config-version-${v.version}`}>
                  <Td className="whitespace-nowrap font-medium">
                    v{v.version} {v.current && <Badge tone="green">current</Badge>}
                  </Td>
                  <Td className="font-mono text-xs">{v.model ?? "—"}</Td>
                  <Td className="font-mono text-xs">{v.promptName ? `${v.promptName}@${v.promptLabel ?? "latest"}` : "—"}</Td>
                  <Td className="font-mono text-xs">{v.allowedTools.length ? v.allowedTools.join(", ") : "any"}</Td>
                  <Td className="text-xs">{limits(v.authorityLimits)}</Td>
                  <Td className="whitespace-nowrap text-xs">
                    {v.createdBy ?? "—"}
                    <br />
                    <Time value={v.createdAt} />
                  </Td>
                  <Td>
                    {v.change ? (
                      <Link href={`/changes/${v.change.id}`}>
                        <span className="sr-only">Change for v{v.version}: </span>
                        <ChangeStatusBadge status={v.change.status} />
                      </Link>
                    ) : (
                      "—"
                    )}
                  </Td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
      </Card>
      <AgentHistory items={agent.history} />
    </>
  );
}

function ConfigFacts({ config }: { config: AgentConfigRow }) {
  return (
    <dl className="grid grid-cols-3 gap-x-3 gap-y-2 px-5 py-4 text-sm">
      <dt className="text-slate-500">Model</dt>
      <dd className="col-span-2 font-mono">{config.model ?? "—"}</dd>
      <dt className="text-slate-500">Prompt</dt>
      <dd className="col-span-2 font-mono">{config.promptName ? `${config.promptName} @ ${config.promptLabel ?? "latest"}` : "—"}</dd>
      <dt className="text-slate-500">Allowed tools</dt>
      <dd className="col-span-2 font-mono">{config.allowedTools.length ? config.allowedTools.join(", ") : "any"}</dd>
      <dt className="text-slate-500">Authority limits</dt>
      <dd className="col-span-2">{limits(config.authorityLimits)}</dd>
      <dt className="text-slate-500">Autonomy</dt>
      <dd className="col-span-2">{config.autonomyLevel ?? "unchanged"}</dd>
    </dl>
  );
}
