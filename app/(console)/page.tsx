import type { Metadata } from "next";
import Link from "next/link";
import { Suspense } from "react";
import { AttentionRuns } from "@/components/overview/attention-runs";
import { ToolFailures } from "@/components/overview/tool-failures";
import { StatusBadge } from "@/components/agents/health";
import { KillSwitch } from "@/components/agents/kill-switch";
import { ActionNotice } from "@/components/ui/action-notice";
import { PauseAnyAgent } from "@/components/agents/pause-any";
import { recentBreakerActivity } from "@/lib/agents/breakers/queries";
import { stoppedAgents } from "@/lib/agents/queries";
import { Badge } from "@/components/ui/badge";
import { Card, CardHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Time } from "@/components/ui/time";
import { hasScope, ROLE_LABELS } from "@/lib/rbac";
import {
  getAttentionCounts,
  getFailingRuns,
  getLoopingRuns,
  getStalledRuns,
  getRecentChanges,
  getToolFailuresByTool,
  hasAnyRun,
  OVERVIEW_WINDOW_HOURS,
} from "@/lib/overview/queries";
import { requirePageScope, type SessionUser } from "@/lib/session";
import { ChangeStatusBadge } from "@/components/changes/change-badges";
import { changesAwaiting, listChanges } from "@/lib/changes/queries";
import { countOpen } from "@/lib/escalations/queries";
import { formatUsd } from "@/lib/runs/format";
import { recentAlerts, recentAnomalies, spendNow } from "@/lib/spend/budgets/queries";

export const metadata: Metadata = { title: "Overview" };

export default async function OverviewPage() {
  const user = await requirePageScope(null);
  const canReadRuns = hasScope(user.role, "runs:read");
  const canReadAudit = hasScope(user.role, "audit:read");
  return (
    <>
      <PageHeader
        title="Overview"
        description={`Signed in as ${user.email} (${ROLE_LABELS[user.role]}). What needs attention across your agents; times in UTC.`}
      />
      {hasScope(user.role, "agents:read") && (
        <Suspense fallback={<Skeleton className="mb-6 h-24" />}>
          <StoppedAgentsCard canControl={hasScope(user.role, "agents:control")} />
        </Suspense>
      )}
      {canReadRuns && (
        <Suspense fallback={<Skeleton className="mb-6 h-20" />}>
          <AttentionTiles isAdmin={hasScope(user.role, "admin")} />
        </Suspense>
      )}
      <div className="grid gap-6 lg:grid-cols-3">
        {canReadRuns && (
          <>
            <Suspense fallback={<Skeleton className="h-48" />}>
              <FailingCard />
            </Suspense>
            <Suspense fallback={<Skeleton className="h-48" />}>
              <LoopingCard />
            </Suspense>
            <Suspense fallback={<Skeleton className="h-48" />}>
              <StalledCard />
            </Suspense>
            <div className="lg:col-span-2">
              <Suspense fallback={<Skeleton className="h-48" />}>
                <ToolFailuresCard />
              </Suspense>
            </div>
          </>
        )}
        {hasScope(user.role, "agents:read") && (
          <Suspense fallback={<Skeleton className="h-48" />}>
            <BreakerActivityCard />
          </Suspense>
        )}
        {hasScope(user.role, "escalations:read") && (
          <Suspense fallback={<Skeleton className="h-48" />}>
            <EscalationsCard />
          </Suspense>
        )}
        {hasScope(user.role, "spend:read") && (
          <Suspense fallback={<Skeleton className="h-48" />}>
            <SpendCard />
          </Suspense>
        )}
        {hasScope(user.role, "changes:read") && (
          <Suspense fallback={<Skeleton className="h-48" />}>
            <ChangesCard user={user} />
          </Suspense>
        )}
        {canReadAudit && (
          <Suspense fallback={<Skeleton className="h-48" />}>
            <RecentAudit />
          </Suspense>
        )}
      </div>
    </>
  );
}

/** Paused and tripped agents, with resume for those allowed, and a kill switch for any active agent. */
async function StoppedAgentsCard({ canControl }: { canControl: boolean }) {
  const { agents, active } = await stoppedAgents();
  if (agents.length === 0 && !canControl) return null;
  return (
    <Card className="mb-6" data-testid="stopped-agents">
      <CardHeader
        title={agents.length ? `Stopped agents (${agents.length})` : "All agents active"}
        description={agents.length ? "Paused or tripped: everything they ask is refused until someone resumes them." : "No agent is paused or tripped."}
      />
      <ActionNotice className="px-5 empty:hidden" />
      {agents.length > 0 && (
        <ul className="divide-y divide-slate-100">
          {agents.map((a) => (
            <li key={a.name} className="flex flex-wrap items-start justify-between gap-3 px-5 py-3" data-testid={`stopped-agent-${a.name}`}>
              <div>
                <Link href={`/agents/${encodeURIComponent(a.name)}`} className="font-medium text-brand-700 hover:underline">
                  {a.name}
                </Link>{" "}
                <StatusBadge status={a.status} /> {a.team && <span className="text-xs text-slate-500">team {a.team}</span>}
                <p className="text-sm text-slate-700">{a.statusReason ?? "No reason recorded."}</p>
                <p className="text-xs text-slate-500">
                  {a.statusSetBy && `by ${a.statusSetBy} `}
                  <Time value={a.statusChangedAt} />
                </p>
              </div>
              {canControl && <KillSwitch target="agent" name={a.name} current={a.status} to="ACTIVE" tripReason={a.statusReason} />}
            </li>
          ))}
        </ul>
      )}
      {canControl && (
        <div className="border-t border-slate-100 px-5 py-3">
          <PauseAnyAgent agents={active} />
        </div>
      )}
    </Card>
  );
}

/** The latest trips, and what breakers in observe mode would have tripped. */
async function BreakerActivityCard() {
  const events = await recentBreakerActivity(8);
  return (
    <Card data-testid="breaker-activity">
      <CardHeader title="Circuit breakers" description="Latest trips, and what breakers in observe mode would have tripped." />
      {events.length === 0 ? (
        <p className="px-5 py-4 text-sm text-slate-600">No breaker has fired. Add breakers on an agent&apos;s page; replay one against the last 30 days before enforcing it.</p>
      ) : (
        <ul className="divide-y divide-slate-100">
          {events.map((e) => (
            <li key={e.id} className="px-5 py-3 text-sm" data-testid={`breaker-event-${e.agent}`}>
              <Link href={`/agents/${encodeURIComponent(e.agent)}`} className="font-medium text-brand-700 hover:underline">
                {e.agent}
              </Link>{" "}
              <Badge tone={e.kind === "TRIPPED" ? "red" : "amber"}>{e.kind === "TRIPPED" ? "tripped" : "would have tripped"}</Badge>
              <p className="text-slate-700">
                {e.breakerName}: {e.message}
              </p>
              <p className="text-xs text-slate-500">
                <Time value={e.at} />
              </p>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

function Skeleton({ className }: { className: string }) {
  return <div className={`animate-pulse rounded-lg bg-slate-200/60 ${className}`} aria-busy="true" />;
}

async function AttentionTiles({ isAdmin }: { isAdmin: boolean }) {
  const [counts, anyRun] = await Promise.all([getAttentionCounts(), hasAnyRun()]);
  if (!anyRun) {
    return (
      <div className="mb-6">
        <EmptyState title="No agent runs yet">
          <p>
            Point an agent’s OpenTelemetry exporter at <code>/api/otel/v1/traces</code> with an API key, and its runs, failing tool calls,
            loops and stalls will show here.
            {isAdmin && (
              <>
                {" "}
                Create a key in{" "}
                <Link href="/settings" className="text-brand-600 hover:underline">
                  Settings
                </Link>
                .
              </>
            )}
          </p>
        </EmptyState>
      </div>
    );
  }
  const tiles = [
    { label: `Runs, last ${OVERVIEW_WINDOW_HOURS} h`, value: counts.runs, href: "/runs", tone: "text-slate-900" },
    { label: "Running now", value: counts.running, href: "/runs?status=RUNNING", tone: "text-brand-700" },
    { label: `Failed, last ${OVERVIEW_WINDOW_HOURS} h`, value: counts.failed, href: "/runs?status=FAILED", tone: "text-red-700" },
    { label: "Looping", value: counts.looping, href: "/runs?flag=loop", tone: "text-amber-700" },
    { label: "Stalled", value: counts.stalled, href: "/runs?status=STALLED", tone: "text-amber-700" },
  ];
  return (
    <div className="mb-6 grid grid-cols-2 gap-3 md:grid-cols-5" data-testid="attention-tiles">
      {tiles.map((t) => (
        <Link key={t.label} href={t.href} className="rounded-lg border border-slate-200 bg-white px-4 py-3 hover:border-brand-500">
          <div className="text-xs text-slate-500">{t.label}</div>
          <div className={`text-2xl font-semibold tabular-nums ${t.tone}`}>{t.value.toLocaleString("en-US")}</div>
        </Link>
      ))}
    </div>
  );
}

async function FailingCard() {
  return (
    <AttentionRuns
      testId="failing-runs"
      title="Failing runs"
      description={`Failed in the last ${OVERVIEW_WINDOW_HOURS} hours.`}
      runs={await getFailingRuns()}
      moreHref="/runs?status=FAILED"
      empty="No run failed recently."
    />
  );
}

async function LoopingCard() {
  return (
    <AttentionRuns
      testId="looping-runs"
      title="Looping runs"
      description="Repeating the same tool call or decision."
      runs={await getLoopingRuns()}
      moreHref="/runs?flag=loop"
      empty="No loops detected recently."
    />
  );
}

async function StalledCard() {
  return (
    <AttentionRuns
      testId="stalled-runs"
      title="Stalled runs"
      description="Running, but no new step past the agent’s threshold."
      runs={await getStalledRuns()}
      moreHref="/runs?status=STALLED"
      empty="No run is stalled."
    />
  );
}

async function ToolFailuresCard() {
  return <ToolFailures rows={await getToolFailuresByTool()} hours={OVERVIEW_WINDOW_HOURS} />;
}

/** Changes to what steers agents: those waiting for this user's approval, then the latest. */
async function EscalationsCard() {
  const open = await countOpen();
  return (
    <Card data-testid="overview-escalations">
      <CardHeader
        title="Escalations"
        description={open.pending === 0 ? "Nothing waits for a decision." : `${open.pending.toLocaleString("en-US")} waiting for a decision`}
        action={
          <Link href="/escalations" className="text-sm text-brand-600 hover:underline">
            Queue
          </Link>
        }
      />
      <p className={`px-5 py-3 text-sm ${open.slaBreached > 0 ? "font-medium text-red-700" : "text-slate-500"}`}>
        {open.slaBreached > 0 ? `${open.slaBreached.toLocaleString("en-US")} past their SLA` : "None past its SLA."}
      </p>
    </Card>
  );
}

async function SpendCard() {
  const [now, alerts, anomalies] = await Promise.all([spendNow(), recentAlerts(4, startOfMonth()), recentAnomalies(4)]);
  const org = now.organisation;
  return (
    <Card data-testid="overview-spend">
      <CardHeader
        title="Spend"
        description={`Today ${formatUsd(now.todayUsd)} · this month ${formatUsd(now.monthUsd)}${org ? ` of ${formatUsd(org.monthlyLimitUsd)} (forecast ${formatUsd(org.forecastUsd)})` : ""}`}
        action={
          <Link href="/spend" className="text-sm text-brand-600 hover:underline">
            Spend
          </Link>
        }
      />
      <div className="divide-y divide-slate-100 text-sm">
        {now.monthUnpricedCalls > 0 && (
          <p className="px-5 py-2.5 text-amber-800">{now.monthUnpricedCalls.toLocaleString("en-US")} calls this month have no price: not counted above.</p>
        )}
        <div className="px-5 py-2.5">
          <h3 className="text-xs font-medium uppercase tracking-wide text-slate-500">Budget alerts this month</h3>
          {alerts.length === 0 ? (
            <p className="text-slate-500">No budget crossed a threshold.</p>
          ) : (
            <ul className="mt-1 space-y-1" data-testid="overview-budget-alerts">
              {alerts.map((a) => (
                <li key={a.id}>
                  <Link href={`/spend#budget-${a.budgetId}`} className="text-brand-700 hover:underline">
                    {a.budget}
                  </Link>{" "}
                  crossed {a.threshold} % ({formatUsd(a.spentUsd)}) · <Time value={a.at} />
                </li>
              ))}
            </ul>
          )}
        </div>
        <div className="px-5 py-2.5">
          <h3 className="text-xs font-medium uppercase tracking-wide text-slate-500">Spend anomalies, last 24 h</h3>
          {anomalies.length === 0 ? (
            <p className="text-slate-500">No agent spent far above its usual hour.</p>
          ) : (
            <ul className="mt-1 space-y-1" data-testid="overview-anomalies">
              {anomalies.map((a) => (
                <li key={a.id}>
                  <Link href={`/runs?agent=${encodeURIComponent(a.agent)}`} className="text-brand-700 hover:underline">
                    {a.agent}
                  </Link>{" "}
                  spent {formatUsd(a.costUsd)} in an hour (usually {formatUsd(a.baselineUsd)}) · <Time value={a.hourStart} />
                </li>
              ))}
            </ul>
          )}
        </div>
      </div>
    </Card>
  );
}

function startOfMonth(): Date {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
}

async function ChangesCard({ user }: { user: SessionUser }) {
  const [awaiting, latest] = await Promise.all([changesAwaiting(user), listChanges({})]);
  const recent = latest.rows.slice(0, 5);
  return (
    <Card data-testid="overview-changes">
      <CardHeader
        title="Recent changes"
        description={hasScope(user.role, "changes:approve") ? `${awaiting.length} waiting for your approval` : undefined}
        action={
          <Link href="/changes" className="text-sm text-brand-600 hover:underline">
            Changes
          </Link>
        }
      />
      <ul className="divide-y divide-slate-100 text-sm">
        {[...awaiting.slice(0, 3), ...recent.filter((r) => !awaiting.some((a) => a.id === r.id))].slice(0, 6).map((c) => (
          <li key={c.id} className="flex items-start justify-between gap-2 px-5 py-2.5">
            <div>
              <Link href={`/changes/${c.id}`} className="text-brand-700 hover:underline">
                {c.title}
              </Link>
              <div className="text-xs text-slate-500">
                {c.proposedBy} · <Time value={c.proposedAt} />
              </div>
            </div>
            <ChangeStatusBadge status={c.status} />
          </li>
        ))}
        {recent.length === 0 && <li className="px-5 py-4 text-slate-500">No changes yet.</li>}
      </ul>
    </Card>
  );
}

async function RecentAudit() {
  const recentAudit = await getRecentChanges();
  return (
    <Card>
      <CardHeader
        title="Recent audit events"
        action={
          <Link href="/audit" className="text-sm text-brand-600 hover:underline">
            Audit log
          </Link>
        }
      />
      <ul className="divide-y divide-slate-100 text-sm">
        {recentAudit.map((e) => (
          <li key={e.seq.toString()} className="px-5 py-2.5">
            <div className="font-mono text-xs text-slate-800">{e.action}</div>
            <div className="text-xs text-slate-500">
              {e.actorLabel} · <Time value={e.occurredAt} />
            </div>
          </li>
        ))}
        {recentAudit.length === 0 && <li className="px-5 py-4 text-slate-500">Nothing yet.</li>}
      </ul>
    </Card>
  );
}
