// Budgets on the spend page: each budget's month so far, burn-down, month-end forecast and run-out date, its alerts,
// any change waiting on it, and (for finance and admins) the forms to set, change or remove budgets.
import Link from "next/link";
import { BurnDownChart } from "@/components/budgets/burn-down-chart";
import { EditBudgetForm, NewBudgetForm, RemoveBudgetForm } from "@/components/budgets/budget-form";
import { Badge } from "@/components/ui/badge";
import { Card, CardHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Fact } from "@/components/ui/fact";
import { hasScope } from "@/lib/rbac";
import { formatUsd } from "@/lib/runs/format";
import { requirePageScope } from "@/lib/session";
import { FORECAST_METHOD } from "@/lib/spend/budgets/forecast";
import { budgetTargets, listBudgets, type BudgetView } from "@/lib/spend/budgets/queries";

const day = (iso: string) => iso.slice(0, 10);
const percent = (share: number) => (Number.isFinite(share) ? `${Math.round(share * 100)} %` : "over");

function summary(b: BudgetView): string {
  const runOut = b.alreadyExceeded ? `exceeded on ${day(b.runOutAt!)}` : b.runOutAt ? `runs out on ${day(b.runOutAt)} at the current rate` : "does not run out this month at the current rate";
  return `${b.name}: ${formatUsd(b.spentUsd)} of ${formatUsd(b.monthlyLimitUsd)} spent in ${b.period}; projected ${formatUsd(b.forecastUsd)} by month-end; ${runOut}.`;
}

export async function BudgetsSection() {
  const me = await requirePageScope("spend:read");
  const canWrite = hasScope(me.role, "budgets:write");
  const [budgets, targets] = await Promise.all([listBudgets(), canWrite ? budgetTargets() : Promise.resolve(null)]);
  const period = budgets[0]?.period ?? new Date().toISOString().slice(0, 7);
  return (
    <section aria-labelledby="budgets-heading" className="space-y-4">
      <div>
        <h2 id="budgets-heading" className="text-lg font-semibold text-slate-900">
          Budgets · {period} (UTC)
        </h2>
        <p className="mt-1 max-w-3xl text-sm text-slate-600">
          Monthly limits for the organisation, a team or an agent. Forecast: {FORECAST_METHOD} Spend counts priced calls only; reservations agents hold are shown apart.
        </p>
      </div>
      {budgets.length === 0 ? (
        <Card>
          <EmptyState title="No budgets yet">
            {canWrite ? "Set one below: the organisation's, a team's or an agent's." : "Finance and admins set budgets; they show here with their forecast."}
          </EmptyState>
        </Card>
      ) : (
        <div className="grid gap-4 xl:grid-cols-2">
          {budgets.map((b) => (
            <BudgetCard key={b.id} budget={b} canWrite={canWrite} />
          ))}
        </div>
      )}
      {canWrite && targets && (
        <Card>
          <CardHeader title="New budget" description="A new budget applies at once. One per organisation, team or agent." />
          <NewBudgetForm teams={targets.teams} agents={targets.agents} hasOrganisationBudget={budgets.some((b) => b.scope === "organisation")} />
        </Card>
      )}
    </section>
  );
}

function BudgetCard({ budget: b, canWrite }: { budget: BudgetView; canWrite: boolean }) {
  const over = b.forecastUsd > b.monthlyLimitUsd;
  const runs = b.scope === "team" ? `/runs?team=${encodeURIComponent(b.team!)}` : b.scope === "agent" ? `/runs?agent=${encodeURIComponent(b.agent!)}` : "/runs";
  return (
    <Card id={`budget-${b.id}`} data-testid="budget-card">
      <CardHeader
        title={b.name}
        description={`${formatUsd(b.monthlyLimitUsd)} a month · alerts at ${b.thresholds.length ? b.thresholds.map((t) => `${t} %`).join(", ") : "none"}`}
        action={
          <div className="flex flex-wrap justify-end gap-1.5">
            {b.hardCap ? <Badge tone="red">hard cap</Badge> : <Badge tone="gray">soft</Badge>}
            {b.alreadyExceeded && <Badge tone="red">exceeded</Badge>}
          </div>
        }
      />
      <div className="space-y-4 px-5 py-4">
        <div>
          <div className="flex items-baseline justify-between text-sm">
            <span>
              <span className="text-lg font-semibold text-slate-900" data-testid="budget-spent">
                {formatUsd(b.spentUsd)}
              </span>{" "}
              <span className="text-slate-600">of {formatUsd(b.monthlyLimitUsd)} spent</span>
            </span>
            <span className="text-slate-600">{percent(b.usedShare)}</span>
          </div>
          <meter className="mt-1 block h-2 w-full" min={0} max={Math.max(b.monthlyLimitUsd, 0.01)} low={b.monthlyLimitUsd * 0.8} high={b.monthlyLimitUsd} optimum={0} value={Math.min(b.spentUsd, Math.max(b.monthlyLimitUsd, 0.01))} aria-label={`${b.name}: ${percent(b.usedShare)} of the limit spent`} />
        </div>
        <dl className="grid grid-cols-2 gap-x-4 gap-y-2 text-sm sm:grid-cols-4">
          <Fact label="Reserved now" className="text-slate-900">
            {formatUsd(b.reservedUsd)}
          </Fact>
          <Fact label="Left" className="text-slate-900">
            {formatUsd(b.remainingUsd)}
          </Fact>
          <Fact label="Month-end forecast" className="text-slate-900">
            <span className={over ? "font-semibold text-red-700" : undefined} data-testid="budget-forecast">
              {formatUsd(b.forecastUsd)}
            </span>
          </Fact>
          <Fact label="Runs out" className="text-slate-900">
            <span data-testid="budget-run-out">{b.alreadyExceeded ? `exceeded ${day(b.runOutAt!)}` : b.runOutAt ? day(b.runOutAt) : "not this month"}</span>
          </Fact>
        </dl>
        <p className="text-xs text-slate-500">Current rate {formatUsd(b.rateUsdPerDay)} a day.{b.unpricedCalls > 0 && ` ${b.unpricedCalls.toLocaleString("en-US")} calls this month have no price and are not counted.`}</p>
        <BurnDownChart points={b.burnDown} summary={summary(b)} />
        <div>
          <h3 className="text-sm font-medium text-slate-800">Alerts this month</h3>
          {b.alerts.length === 0 ? (
            <p className="text-sm text-slate-500">No threshold crossed yet.</p>
          ) : (
            <ul className="mt-1 space-y-0.5 text-sm" data-testid="budget-alerts">
              {b.alerts.map((a) => (
                <li key={a.threshold}>
                  <Badge tone={a.threshold >= 100 ? "red" : "amber"}>{a.threshold} %</Badge> crossed {a.at.slice(0, 16).replace("T", " ")} UTC at {formatUsd(a.spentUsd)}
                </li>
              ))}
            </ul>
          )}
        </div>
        {b.pendingChange && (
          <p className="rounded-md bg-violet-50 px-3 py-2 text-sm text-violet-900">
            Waiting for approval:{" "}
            <Link href={`/changes/${b.pendingChange.id}`} className="font-medium underline">
              {b.pendingChange.title}
            </Link>
          </p>
        )}
        <p className="text-sm">
          <Link href={runs} className="text-brand-700 hover:underline">
            Runs behind this budget
          </Link>
        </p>
        {canWrite && (
          <div className="space-y-2 border-t border-slate-100 pt-3">
            <details>
              <summary className="cursor-pointer text-sm font-medium text-brand-700">Change this budget</summary>
              <div className="pt-3">
                <EditBudgetForm defaults={{ budgetId: b.id, scope: b.scope, team: b.team, agent: b.agent, monthlyLimitUsd: b.monthlyLimitUsd, thresholds: b.thresholds, hardCap: b.hardCap }} />
              </div>
            </details>
            <details>
              <summary className="cursor-pointer text-sm text-slate-600">Remove this budget</summary>
              <div className="pt-3">
                <RemoveBudgetForm target={b.target} />
              </div>
            </details>
          </div>
        )}
      </div>
    </Card>
  );
}
