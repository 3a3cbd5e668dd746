"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useActionState, useEffect } from "react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { FormMessage, inputClass } from "@/components/ui/field";
import { Time } from "@/components/ui/time";
import { scoreOutputAction } from "@/lib/evaluations/actions";
import { fetchJson } from "@/lib/fetch-json";
import { IDLE, type ActionState } from "@/lib/forms";
import { formatDuration, formatTokens, formatUsd } from "@/lib/runs/format";
import type { StepDetail } from "@/lib/runs/run-queries";
import { KindChip } from "./badges";
import { JsonBlock, Messages } from "./json-view";

function fetchStep(runId: string, stepId: string): Promise<StepDetail> {
  return fetchJson<StepDetail>(`/runs/${runId}/steps/${stepId}`, { fallbackMessage: "Could not load the step" });
}

function Row({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="grid grid-cols-3 gap-2 py-1">
      <dt className="text-slate-500">{label}</dt>
      <dd className="col-span-2 min-w-0 break-words text-slate-800">{children}</dd>
    </div>
  );
}

function Section({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <section className="border-t border-slate-100 px-4 py-3">
      <h3 className="mb-1.5 text-xs font-semibold uppercase tracking-wide text-slate-500">{title}</h3>
      {children}
    </section>
  );
}

interface DecisionShape {
  chosen?: unknown;
  rationale?: unknown;
  alternatives?: unknown;
  confidence?: unknown;
}

/**
 * One alternative the agent considered: a plain string, or an object naming the
 * option (`action`, `option`, `name` or `chosen`) and why it was not taken
 * (`reason` or `rationale`); anything else is shown as JSON.
 */
function Alternative({ value }: { value: unknown }) {
  if (typeof value === "string") return <>{value}</>;
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const o = value as Record<string, unknown>;
    const option = [o.action, o.option, o.name, o.chosen].find((v) => typeof v === "string");
    const reason = [o.reason, o.rationale].find((v) => typeof v === "string");
    if (typeof option === "string") {
      return (
        <>
          <span className="font-medium">{option}</span>
          {typeof reason === "string" && <span className="text-slate-600"> — {reason}</span>}
        </>
      );
    }
  }
  return <code className="text-xs">{JSON.stringify(value)}</code>;
}

function DecisionCard({ decision }: { decision: DecisionShape }) {
  const alternatives = Array.isArray(decision.alternatives) ? decision.alternatives : [];
  const confidence = typeof decision.confidence === "number" ? decision.confidence : null;
  return (
    <div className="rounded-md border border-violet-200 bg-violet-50/50 p-3" data-testid="decision-card">
      <div className="text-xs text-violet-700">Chosen</div>
      <div className="font-medium text-slate-900">{String(decision.chosen ?? "—")}</div>
      {confidence !== null && (
        <div className="mt-2 flex items-center gap-2 text-xs text-slate-600">
          Confidence <span className="font-semibold tabular-nums">{Math.round(confidence * 100)}%</span>
          <span className="h-1.5 w-24 rounded bg-violet-100" aria-hidden>
            <span className="block h-1.5 rounded bg-violet-500" style={{ width: `${Math.max(0, Math.min(1, confidence)) * 100}%` }} />
          </span>
        </div>
      )}
      {typeof decision.rationale === "string" && decision.rationale && (
        <p className="mt-2 text-sm text-slate-700">
          <span className="text-xs text-violet-700">Rationale: </span>
          {decision.rationale}
        </p>
      )}
      {alternatives.length > 0 && (
        <div className="mt-2">
          <div className="text-xs text-violet-700">Alternatives considered</div>
          <ul className="ml-4 list-disc text-sm text-slate-700">
            {alternatives.map((a, i) => (
              <li key={i}>
                <Alternative value={a} />
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}

/**
 * Which attribute each mapped value came from, when not a `gen_ai.*` / `flightdeck.*` one
 * (`flightdeck.mapped_from`, written by lib/telemetry/mapping.ts).
 */
function MappedFrom({ attributes }: { attributes: unknown }) {
  const map = attributes && typeof attributes === "object" && !Array.isArray(attributes) ? (attributes as Record<string, unknown>)["flightdeck.mapped_from"] : null;
  if (!map || typeof map !== "object" || Array.isArray(map)) return null;
  const entries = Object.entries(map as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === "string");
  if (entries.length === 0) return null;
  return (
    <Section title="Mapped from">
      <dl className="text-xs" data-testid="step-mapped-from">
        {entries.map(([field, source]) => (
          <Row key={field} label={field}>
            <code className="font-mono">{source}</code>
          </Row>
        ))}
      </dl>
    </Section>
  );
}

function ScoreForm({ runId, stepId }: { runId: string; stepId: string }) {
  const queryClient = useQueryClient();
  const [state, action, pending] = useActionState<ActionState, FormData>(scoreOutputAction, IDLE);
  useEffect(() => {
    if (state.status === "success") void queryClient.invalidateQueries({ queryKey: ["step", runId, stepId] });
  }, [state, queryClient, runId, stepId]);
  const errors = state.status === "invalid" ? state.errors : {};
  return (
    <form action={action} className="space-y-2" aria-label="Score this output">
      <input type="hidden" name="runId" value={runId} />
      <input type="hidden" name="stepId" value={stepId} />
      <fieldset>
        <legend className="text-xs text-slate-600">Output quality, 1 (bad) to 5 (good)</legend>
        <div className="mt-1 flex gap-3">
          {[1, 2, 3, 4, 5].map((n) => (
            <label key={n} className="flex items-center gap-1 text-sm">
              <input type="radio" name="score" value={n} required className="h-4 w-4" /> {n}
            </label>
          ))}
        </div>
        {errors.score && <p className="text-xs text-red-600">{errors.score.join(" ")}</p>}
      </fieldset>
      <label className="block text-xs text-slate-600">
        Comment
        <textarea name="comment" rows={2} maxLength={2000} className={`${inputClass} mt-1`} />
      </label>
      <Button type="submit" size="sm" disabled={pending}>
        {pending ? "Saving…" : "Save score"}
      </Button>
      <FormMessage state={state} />
    </form>
  );
}

/** The selected step's full detail, fetched on selection (bodies never travel with the waterfall). */
export function StepDetailPanel({ runId, stepId, canWrite }: { runId: string; stepId: string; canWrite: boolean }) {
  const query = useQuery({ queryKey: ["step", runId, stepId], queryFn: () => fetchStep(runId, stepId), staleTime: 30_000 });
  if (query.isPending) {
    return (
      <div className="space-y-2 p-4" aria-busy="true" aria-label="Loading the step">
        <div className="h-5 w-2/3 animate-pulse rounded bg-slate-200" />
        <div className="h-24 animate-pulse rounded bg-slate-100" />
      </div>
    );
  }
  if (query.isError) return <p className="p-4 text-sm text-red-600" role="alert">{query.error.message}</p>;
  const s = query.data;
  const decision = s.decision && typeof s.decision === "object" && !Array.isArray(s.decision) ? (s.decision as DecisionShape) : null;
  return (
    <div data-testid="step-detail" className="text-sm">
      <div className="px-4 py-3">
        <div className="flex items-center gap-2">
          <KindChip kind={s.kind} />
          {s.status === "FAILED" ? <Badge tone="red">✖ Failed</Badge> : <Badge tone="green">OK</Badge>}
          {s.flagLoop && <Badge tone="amber">↻ Loop</Badge>}
        </div>
        <h2 className="mt-1.5 break-words text-base font-semibold text-slate-900" data-testid="step-detail-name">
          {s.name}
        </h2>
        {s.error && (
          <p className="mt-2 rounded-md bg-red-50 p-2 text-sm text-red-800 ring-1 ring-red-200" data-testid="step-error">
            <span className="font-semibold">Error: </span>
            {s.error}
          </p>
        )}
        <dl className="mt-2 text-xs">
          <Row label="Started">
            <Time value={s.startedAt} />
          </Row>
          <Row label="Latency">{formatDuration(s.durationMs)}</Row>
          <Row label="Span">
            <span className="font-mono">{s.spanId}</span>
            {s.parentSpanId && <span className="text-slate-500"> ← {s.parentSpanId}</span>}
          </Row>
          {s.redactions > 0 && <Row label="Redacted">{s.redactions} value(s) of personal data</Row>}
        </dl>
      </div>

      {s.kind === "LLM_CALL" && (
        <Section title="Model call">
          <dl className="text-xs">
            <Row label="Model">
              {s.model ?? "—"}
              {s.provider && <span className="text-slate-500"> ({s.provider})</span>}
            </Row>
            <Row label="Prompt">
              {s.promptName ? (
                <Link
                  href={`/prompts/${encodeURIComponent(s.promptName)}${s.promptVersion ? `?version=${s.promptVersion}` : ""}`}
                  className="text-brand-700 hover:underline"
                >
                  {s.promptName}
                  {s.promptVersion ? ` v${s.promptVersion}` : ""}
                </Link>
              ) : (
                "—"
              )}
            </Row>
            <Row label="Tokens">
              {formatTokens(s.inputTokens ?? 0)} in · {formatTokens(s.outputTokens ?? 0)} out
              {s.cachedInputTokens ? ` · ${formatTokens(s.cachedInputTokens)} cached` : ""}
            </Row>
            <Row label="Cost">{s.unpriced ? <Badge>unpriced</Badge> : s.costUsd === null ? "—" : formatUsd(s.costUsd)}</Row>
          </dl>
          <h4 className="mt-2 text-xs font-medium text-slate-600">Input messages</h4>
          <Messages value={s.inputMessages} />
          <h4 className="mt-2 text-xs font-medium text-slate-600">Output messages</h4>
          <Messages value={s.outputMessages} />
        </Section>
      )}

      {s.kind === "TOOL_CALL" && (
        <Section title={`Tool call${s.tool ? `: ${s.tool}` : ""}`}>
          <h4 className="text-xs font-medium text-slate-600">Arguments</h4>
          <JsonBlock value={s.arguments} />
          <h4 className="mt-2 text-xs font-medium text-slate-600">Result</h4>
          <JsonBlock value={s.result} />
        </Section>
      )}

      {decision && (
        <Section title="Decision">
          <DecisionCard decision={decision} />
        </Section>
      )}

      {s.kind === "STATE_TRANSITION" && (
        <Section title="State transition">
          <JsonBlock value={s.attributes} />
        </Section>
      )}

      <MappedFrom attributes={s.attributes} />

      {s.escalations.length > 0 && (
        <Section title="Escalations">
          <ul className="space-y-2">
            {s.escalations.map((e) => (
              <li key={e.id} className="rounded-md border border-fuchsia-200 bg-fuchsia-50/40 p-2 text-xs" data-testid="step-escalation">
                <div className="flex items-center gap-2">
                  <span className="font-medium">⚑ {e.tool}</span>
                  <Badge tone={e.status === "APPROVED" || e.status === "CLEARED" ? "green" : e.status === "PENDING" ? "amber" : "red"}>{e.status.toLowerCase()}</Badge>
                </div>
                {e.reason && <p className="mt-1 text-slate-700">{e.reason}</p>}
                {e.decisions.map((d, i) => (
                  <p key={i} className="mt-1 text-slate-600">
                    {d.verdict.toLowerCase()} by {d.decidedBy} · <Time value={d.decidedAt} />
                    {d.comment && <>: “{d.comment}”</>}
                  </p>
                ))}
                <Link href={`/escalations?id=${e.id}`} className="mt-1 inline-block text-brand-700 hover:underline">
                  Open in escalations
                </Link>
              </li>
            ))}
          </ul>
        </Section>
      )}

      <Section title="Output scores">
        {s.evaluations.length === 0 ? (
          <p className="text-xs text-slate-500">No scores for this step yet.</p>
        ) : (
          <ul className="mb-2 space-y-1 text-xs" data-testid="step-evaluations">
            {s.evaluations.map((e) => (
              <li key={e.id} className="flex flex-wrap items-center gap-1.5">
                <Badge tone={e.passed === false ? "red" : e.passed ? "green" : "gray"}>{e.passed === false ? "✖" : e.passed ? "✓" : "•"} {e.name}</Badge>
                <span className="text-slate-500">{e.source.toLowerCase()}</span>
                {e.label && <span>{e.label}</span>}
                {e.comment && <span className="text-slate-600">“{e.comment}”</span>}
                {e.by && <span className="text-slate-500">{e.by}</span>}
              </li>
            ))}
          </ul>
        )}
        {canWrite && <ScoreForm runId={runId} stepId={s.id} />}
      </Section>
    </div>
  );
}
