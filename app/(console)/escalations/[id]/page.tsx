// One escalation: the action and its arguments, the agent's reason and confidence, the policy (and version) that caught it
// and why, its SLA and deadline, the run's steps that led to it, its decisions, the policy's and the agent's runbooks, and —
// for those who may — claim and decide.
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { Suspense } from "react";
import { EscalationStatusBadge, RiskBadge } from "@/components/escalations/badges";
import { ClaimForm } from "@/components/escalations/claim-form";
import { EscalationDecisionForm } from "@/components/escalations/decision-form";
import { RunContext } from "@/components/escalations/run-context";
import { EscalationRunbooks } from "@/components/runbooks/escalation-runbooks";
import { JsonBlock } from "@/components/runs/json-view";
import { Badge } from "@/components/ui/badge";
import { BackLink } from "@/components/ui/back-link";
import { Card, CardHeader } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { Time } from "@/components/ui/time";
import { getEscalationDetail, type EscalationDetail } from "@/lib/escalations/queries";
import { ROW_ID } from "@/lib/ids";
import { hasScope } from "@/lib/rbac";
import { requirePageScope, type SessionUser } from "@/lib/session";

export const metadata: Metadata = { title: "Escalation" };
export const dynamic = "force-dynamic";

const TIMEOUT_WORDS: Record<string, string> = {
  REJECT: "it is rejected (fail closed)",
  APPROVE: "the policy approves it",
  KEEP_OPEN: "it stays open, flagged overdue",
};

/** Whether this person may decide it now, and if not, why (shown instead of the form). */
function mayDecide(e: EscalationDetail, me: SessionUser): { ok: true } | { ok: false; why: string } {
  if (e.status !== "PENDING") return { ok: false, why: "It is closed." };
  if (!hasScope(me.role, "escalations:decide")) return { ok: false, why: "Your role does not decide escalations." };
  if (me.role !== e.deciderRole && me.role !== "ADMIN") return { ok: false, why: `Its policy wants a decision by ${e.deciderRole.toLowerCase()}.` };
  if (e.requestedById === me.id) return { ok: false, why: "You are responsible for the key that asked, so someone else decides it (four eyes)." };
  if (e.decisions.some((d) => d.decidedById === me.id)) return { ok: false, why: "You have approved it; it needs another person's approval." };
  if (e.claimedById && e.claimedById !== me.id) return { ok: false, why: `${e.claimedBy} is working on it (claimed until ${e.claimExpiresAt?.slice(11, 16)} UTC).` };
  return { ok: true };
}

function Row({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="grid grid-cols-3 gap-3 px-5 py-2 text-sm">
      <dt className="text-slate-500">{label}</dt>
      <dd className="col-span-2 text-slate-800">{children}</dd>
    </div>
  );
}

export default async function EscalationPage({ params }: { params: Promise<{ id: string }> }) {
  const me = await requirePageScope("escalations:read");
  const { id } = await params;
  if (!ROW_ID.test(id)) notFound();
  const e = await getEscalationDetail(id);
  if (!e) notFound();
  const may = mayDecide(e, me);
  const { slaBreached, deadlineSoon } = e;
  return (
    <>
      <BackLink href="/escalations" label="Escalations" />
      <PageHeader
        title={`${e.tool} for ${e.agent}`}
        description={e.team ? `Team ${e.team} · asked ${e.createdAt.slice(0, 16).replace("T", " ")} UTC by ${e.requestedByName || "an agent"}` : `Asked ${e.createdAt.slice(0, 16).replace("T", " ")} UTC by ${e.requestedByName || "an agent"}`}
        actions={
          <>
            <RiskBadge risk={e.risk} />
            <EscalationStatusBadge status={e.status} />
          </>
        }
      />
      {(slaBreached || deadlineSoon || e.overdue) && (
        <p role="status" className="mb-4 rounded-md bg-red-50 px-4 py-3 text-sm font-medium text-red-800 ring-1 ring-red-200">
          {e.overdue ? "Overdue: the deadline passed and its policy keeps it open." : deadlineSoon ? `The deadline is close (${e.expiresAt?.slice(11, 16)} UTC): then ${TIMEOUT_WORDS[e.timeoutAction]}.` : "Its SLA has passed."}
        </p>
      )}
      {e.executedDifferently && (
        <p role="alert" className="mb-4 rounded-md bg-red-50 px-4 py-3 text-sm font-medium text-red-800 ring-1 ring-red-200" data-testid="executed-differently">
          Executed differently than approved: {e.executedDifferentlyReason}.
        </p>
      )}
      <div className="grid gap-6 lg:grid-cols-3">
        <div className="space-y-6 lg:col-span-2">
          <Card>
            <CardHeader title="The action" description="What the agent asks to do, and why." />
            <dl className="divide-y divide-slate-100">
              <Row label="Tool">
                <code className="font-mono text-sm">{e.tool}</code>
              </Row>
              <Row label="Arguments asked">
                <div data-testid="escalation-arguments">
                  <JsonBlock value={e.arguments} />
                </div>
              </Row>
              {e.approvedArguments !== null && (
                <Row label="Arguments approved">
                  <div data-testid="approved-arguments">
                    <JsonBlock value={e.approvedArguments} />
                  </div>
                  {e.argumentsChanged && <Badge tone="violet">changed by the decider</Badge>}
                </Row>
              )}
              <Row label="Agent's reason">{e.reason ? `“${e.reason}”` : <span className="text-slate-500">none given</span>}</Row>
              <Row label="Confidence">{e.confidence === null ? <span className="text-slate-500">not given</span> : e.confidence}</Row>
              {e.executedAt && (
                <Row label="Executed">
                  <Time value={e.executedAt} /> ({e.executionCount} call{e.executionCount === 1 ? "" : "s"} seen)
                </Row>
              )}
            </dl>
          </Card>
          <Card>
            <CardHeader title="Run context" description="The steps that led to the request." />
            {e.run ? <RunContext run={e.run} steps={e.context} /> : <p className="px-5 py-4 text-sm text-slate-500">{e.traceId ? `No run of trace ${e.traceId} has arrived yet.` : "The request named no trace."}</p>}
          </Card>
          <Card>
            <CardHeader title="Decisions" description={e.requiredApprovals > 1 ? `Four eyes: ${e.requiredApprovals} people approve the same arguments; one rejection closes it.` : "One approval clears it."} />
            {e.decisions.length === 0 ? (
              <p className="px-5 py-4 text-sm text-slate-500">{e.status === "PENDING" ? "Nobody has decided yet." : e.closedReason}</p>
            ) : (
              <ul className="divide-y divide-slate-100" data-testid="decisions">
                {e.decisions.map((d) => (
                  <li key={d.id} className="px-5 py-3 text-sm">
                    <span className={d.verdict === "APPROVE" ? "font-medium text-emerald-700" : "font-medium text-red-700"}>{d.verdict === "APPROVE" ? "Approved" : "Rejected"}</span> by {d.decidedBy}
                    {d.via !== "console" && <span className="text-slate-500"> ({d.via.replace(/^api:/, "through the API, key ")})</span>} · <Time value={d.decidedAt} />
                    {d.comment && <p className="mt-1 text-slate-700">“{d.comment}”</p>}
                  </li>
                ))}
              </ul>
            )}
            {e.status !== "PENDING" && e.closedReason && e.decisions.length > 0 && <p className="border-t border-slate-100 px-5 py-2 text-xs text-slate-500">{e.closedReason}</p>}
          </Card>
        </div>
        <div className="space-y-6">
          {e.status === "PENDING" && (
            <Card>
              <CardHeader title="Decide" description={e.claimedBy ? `Claimed by ${e.claimedBy} until ${e.claimExpiresAt?.slice(11, 16)} UTC.` : "Unclaimed."} />
              <div className="space-y-4 px-5 py-4">
                {may.ok ? (
                  <>
                    <ClaimForm escalationId={e.id} mine={e.claimedById === me.id} />
                    <EscalationDecisionForm escalationId={e.id} tool={e.tool} candidate={e.candidateArguments} approvalsNeeded={e.requiredApprovals} />
                  </>
                ) : (
                  <p className="text-sm text-slate-600" data-testid="cannot-decide">
                    {may.why}
                  </p>
                )}
              </div>
            </Card>
          )}
          <Card>
            <CardHeader title="Policy" description="What caught it, and what happens next." />
            <dl className="divide-y divide-slate-100">
              <Row label="Policy">
                {e.policyName ? (
                  <Link href={`/escalations/policies#policy-${e.policy?.id ?? ""}`} className="text-brand-700 hover:underline">
                    {e.policyName}
                  </Link>
                ) : (
                  "none (cleared)"
                )}
                {e.policyVersion !== null && <span className="text-slate-500"> · version {e.policyVersion}{e.policy && e.policy.currentVersion !== e.policyVersion ? ` (now ${e.policy.currentVersion})` : ""}</span>}
              </Row>
              <Row label="Why it matched">
                <ul className="list-inside list-disc" data-testid="match-reasons">
                  {e.matchReasons.map((r) => (
                    <li key={r}>{r}</li>
                  ))}
                </ul>
              </Row>
              <Row label="Decided by">{e.deciderRole.toLowerCase()} (or an admin)</Row>
              <Row label="Approvals">
                {e.approvals} of {e.requiredApprovals}
              </Row>
              <Row label="SLA due">
                <span className={slaBreached ? "font-semibold text-red-700" : undefined}>
                  <Time value={e.slaDueAt} />
                </span>
              </Row>
              <Row label="Deadline">
                <Time value={e.expiresAt} /> <span className="text-slate-500">— then {TIMEOUT_WORDS[e.timeoutAction]}</span>
              </Row>
              {e.chainNotified.length > 0 && <Row label="Escalated to">{e.chainNotified.join(", ")}</Row>}
            </dl>
          </Card>
          <Suspense fallback={null}>
            <EscalationRunbooks escalationId={e.id} />
          </Suspense>
        </div>
      </div>
    </>
  );
}
