// The agent page's breakers: each with its condition in words, mode, state, current value beside the threshold and its latest
// events; for those who may (agents:control), enable or disable, switch mode, edit, replay the last 30 days, delete, and a new one.
import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { Card, CardHeader } from "@/components/ui/card";
import { Table, Td, Th } from "@/components/ui/table";
import { Time } from "@/components/ui/time";
import { listBreakers, type BreakerView } from "@/lib/agents/breakers/queries";
import { MAX_BREAKERS_PER_AGENT } from "@/lib/agents/breakers/schemas";
import { BreakerControls } from "./breaker-controls";
import { BreakerForm, type BreakerFormValue } from "./breaker-form";
import { EVENT_BADGE, MODE_BADGE, STATE_BADGE } from "./labels";

const RUNS_SHOWN = 3;

const formValue = (b: BreakerView): BreakerFormValue => ({
  id: b.id,
  name: b.name,
  condition: b.condition,
  params: b.params,
  mode: b.mode,
  enabled: b.enabled,
  coolDownMinutes: b.coolDownMinutes,
  halfOpen: b.halfOpen,
});

function Events({ breaker }: { breaker: BreakerView }) {
  if (breaker.events.length === 0) return <p className="mt-2 text-xs text-slate-600">No event yet.</p>;
  return (
    <Table className="mt-2 text-xs">
      <caption className="sr-only">Latest events of breaker {breaker.name}</caption>
      <thead className="bg-slate-50">
        <tr>
          <Th className="px-2 py-1.5">When</Th>
          <Th className="px-2 py-1.5">What</Th>
          <Th className="px-2 py-1.5">Runs</Th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">
        {breaker.events.map((e) => (
          <tr key={e.id}>
            <Td className="whitespace-nowrap px-2 py-1.5">
              <Time value={e.at} />
            </Td>
            <Td className="px-2 py-1.5">
              <Badge tone={EVENT_BADGE[e.kind].tone}>{EVENT_BADGE[e.kind].label}</Badge> <span className="text-slate-700">{e.message}</span>
            </Td>
            <Td className="px-2 py-1.5">
              {e.runIds.length === 0
                ? "—"
                : e.runIds.slice(0, RUNS_SHOWN).map((id, i) => (
                    <span key={id}>
                      {i > 0 && ", "}
                      <Link href={`/runs/${id}`} className="font-mono text-brand-700 hover:underline" aria-label={`Run ${id}`}>
                        {id.slice(-8)}
                      </Link>
                    </span>
                  ))}
              {e.runIds.length > RUNS_SHOWN && <span className="text-slate-600"> +{e.runIds.length - RUNS_SHOWN}</span>}
            </Td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}

function BreakerItem({ agent, breaker, canManage }: { agent: string; breaker: BreakerView; canManage: boolean }) {
  return (
    <li className="px-5 py-4" data-testid="breaker-row" aria-labelledby={`breaker-${breaker.id}-name`}>
      <div className="flex flex-wrap items-center gap-2">
        <h3 id={`breaker-${breaker.id}-name`} className="font-medium text-slate-900">
          {breaker.name}
        </h3>
        <Badge tone={MODE_BADGE[breaker.mode].tone}>{MODE_BADGE[breaker.mode].label}</Badge>
        {breaker.enabled ? <Badge tone={STATE_BADGE[breaker.state].tone}>{STATE_BADGE[breaker.state].label}</Badge> : <Badge tone="gray">disabled</Badge>}
      </div>
      <p className="mt-1 text-sm text-slate-700">{breaker.description}.</p>
      <p className="mt-0.5 text-xs text-slate-600">
        Cool-down {breaker.coolDownMinutes} min{breaker.halfOpen ? ", then a half-open test" : ", then it waits for a person to resume the agent"}.
      </p>
      <p className="mt-1 text-sm" data-testid="breaker-value">
        Now <span className="font-medium tabular-nums text-slate-900">{breaker.valueText}</span> <span className="text-slate-600">(trips {breaker.thresholdText})</span>
        {breaker.lastEvaluatedAt && (
          <span className="text-xs text-slate-600">
            {" "}
            · measured <Time value={breaker.lastEvaluatedAt} />
          </span>
        )}
      </p>
      <Events breaker={breaker} />
      {canManage && (
        <div className="mt-3 space-y-2">
          <BreakerControls agent={agent} breaker={formValue(breaker)} />
          <details>
            <summary className="cursor-pointer text-sm text-brand-700">Edit {breaker.name}</summary>
            <div className="mt-3">
              <BreakerForm agent={agent} breaker={formValue(breaker)} />
            </div>
          </details>
        </div>
      )}
    </li>
  );
}

export async function BreakersSection({ agent, canManage }: { agent: { id: string; name: string }; canManage: boolean }) {
  const breakers = await listBreakers(agent.id);
  return (
    <Card id="breakers">
      <CardHeader
        title="Circuit breakers"
        description="Conditions on this agent's telemetry, checked as it arrives and every few seconds. Observe records what would have tripped; enforce trips the agent."
      />
      {breakers.length === 0 ? (
        <p className="px-5 py-4 text-sm text-slate-600">No breaker yet{canManage ? ": add one below, and replay it against the last 30 days before you enforce it." : "."}</p>
      ) : (
        <ul className="divide-y divide-slate-100" data-testid="breaker-list" aria-label={`Breakers of ${agent.name}`}>
          {breakers.map((b) => (
            <BreakerItem key={b.id} agent={agent.name} breaker={b} canManage={canManage} />
          ))}
        </ul>
      )}
      {canManage && breakers.length < MAX_BREAKERS_PER_AGENT && (
        <details className="border-t border-slate-100 px-5 py-4" open={breakers.length === 0}>
          <summary className="cursor-pointer text-sm font-medium text-brand-700">New breaker</summary>
          <div className="mt-3">
            <BreakerForm agent={agent.name} breaker={null} />
          </div>
        </details>
      )}
    </Card>
  );
}
