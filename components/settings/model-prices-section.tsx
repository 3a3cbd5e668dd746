"use client";

import { useActionState } from "react";
import { Badge } from "@/components/ui/badge";
import { useKeepInputOnError } from "@/components/ui/use-keep-input-on-error";
import { Card, CardHeader } from "@/components/ui/card";
import { ConfirmForm } from "@/components/ui/confirm-form";
import { Field, inputClass, SubmitRow } from "@/components/ui/field";
import { Table, Td, Th } from "@/components/ui/table";
import { IDLE, type ActionState } from "@/lib/forms";
import { createModelPriceAction, deleteModelPriceAction, type AddedPrice } from "@/lib/spend/prices/actions";
import { PriceRecomputePanel, type PriceRecomputeOverviewItem } from "./price-recompute-panel";
import { callsText, StartPriceRecompute } from "./price-recompute-start";

export interface PriceItem {
  id: string;
  model: string;
  matchPattern: string;
  inputPerMillion: number;
  outputPerMillion: number;
  cachedInputPerMillion: number | null;
  effectiveFrom: string;
  status: "current" | "superseded" | "scheduled";
  supersededAt: string | null;
}

const usd = (n: number) => `$${n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 6 })}`;
const day = (iso: string) => iso.slice(0, 10);

function DeletePriceForm({ price }: { price: PriceItem }) {
  return (
    <ConfirmForm
      action={deleteModelPriceAction}
      fields={{ id: price.id }}
      trigger="Delete"
      title={`Delete the price of ${price.model} effective ${day(price.effectiveFrom)}?`}
      body="Spans ingested from now on are priced by the remaining rows (or stay unpriced). Costs already stored do not change. To change a price, add a new row with a later effective date instead."
      confirmLabel="Delete price"
    />
  );
}

function PriceTable({ prices, caption }: { prices: PriceItem[]; caption: string }) {
  return (
    <Table aria-label={caption}>
      <thead className="bg-slate-50">
        <tr>
          <Th>Model</Th>
          <Th>Match</Th>
          <Th className="text-right">Input / 1M</Th>
          <Th className="text-right">Cached input / 1M</Th>
          <Th className="text-right">Output / 1M</Th>
          <Th>Effective</Th>
          <Th>
            <span className="sr-only">Actions</span>
          </Th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">
        {prices.map((p) => (
          <tr key={p.id} data-testid={`model-price-row-${p.matchPattern}`}>
            <Td className="font-medium text-slate-900">{p.model}</Td>
            <Td>
              <code className="text-xs">{p.matchPattern}</code>
            </Td>
            <Td className="text-right tabular-nums">{usd(p.inputPerMillion)}</Td>
            <Td className="text-right tabular-nums">
              {p.cachedInputPerMillion === null ? <span className="text-slate-500" title="Priced at the input rate">—</span> : usd(p.cachedInputPerMillion)}
            </Td>
            <Td className="text-right tabular-nums">{usd(p.outputPerMillion)}</Td>
            <Td className="whitespace-nowrap text-xs">
              {day(p.effectiveFrom)}{" "}
              {p.status === "scheduled" && <Badge tone="blue">scheduled</Badge>}
              {p.status === "superseded" && (
                <Badge tone="gray" title={p.supersededAt ? `Superseded on ${day(p.supersededAt)}` : undefined}>
                  superseded{p.supersededAt ? ` ${day(p.supersededAt)}` : ""}
                </Badge>
              )}
            </Td>
            <Td>
              <DeletePriceForm price={p} />
            </Td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}

/** Right after a price is added: the unpriced calls it covers, and the offer to re-price them. */
function RepriceOffer({ added }: { added: AddedPrice }) {
  if (added.unpricedCalls === 0) return null;
  return (
    <div className="flex flex-wrap items-center gap-3 border-t border-amber-100 bg-amber-50 px-5 py-3 text-sm text-amber-900" data-testid="reprice-offer">
      <p>
        {callsText(added.unpricedCalls)} match{added.unpricedCalls === 1 ? "es" : ""} this price (<code>{added.matchPattern}</code>).
      </p>
      <StartPriceRecompute matchPattern={added.matchPattern} calls={added.unpricedCalls} trigger="Re-price them" />
    </div>
  );
}

function AddPriceForm() {
  const [state, action, pending] = useActionState<ActionState<AddedPrice>, FormData>(createModelPriceAction, IDLE);
  const errors = state.status === "invalid" ? state.errors : {};
  const { ref, onSubmit } = useKeepInputOnError(action, state);
  return (
    <>
      <form ref={ref} action={action} onSubmit={onSubmit} className="grid gap-3 border-t border-slate-100 px-5 py-4 md:grid-cols-6" aria-label="Add a model price">
        <Field label="Model" name="model" errors={errors.model} hint="Display name, e.g. GPT-4o.">
          {(p) => <input {...p} required maxLength={120} className={inputClass} />}
        </Field>
        <Field label="Match pattern" name="matchPattern" errors={errors.matchPattern} hint="Exact name or glob, e.g. claude-3-5-sonnet*. Empty = model.">
          {(p) => <input {...p} maxLength={200} className={`${inputClass} font-mono`} placeholder="gpt-4o" />}
        </Field>
        <Field label="Input $ / 1M tokens" name="inputPerMillion" errors={errors.inputPerMillion}>
          {(p) => <input {...p} type="number" step="any" min={0} required className={inputClass} />}
        </Field>
        <Field label="Cached input $ / 1M" name="cachedInputPerMillion" errors={errors.cachedInputPerMillion} hint="Empty = input rate.">
          {(p) => <input {...p} type="number" step="any" min={0} className={inputClass} />}
        </Field>
        <Field label="Output $ / 1M tokens" name="outputPerMillion" errors={errors.outputPerMillion}>
          {(p) => <input {...p} type="number" step="any" min={0} required className={inputClass} />}
        </Field>
        <Field label="Effective from (UTC)" name="effectiveFrom" errors={errors.effectiveFrom} hint="Empty = now.">
          {(p) => <input {...p} type="date" className={inputClass} />}
        </Field>
        <SubmitRow label="Add price" pendingLabel="Adding…" pending={pending} state={state} className="md:col-span-6" />
      </form>
      {state.status === "success" && state.data && <RepriceOffer key={state.data.priceId} added={state.data} />}
    </>
  );
}

export function ModelPricesSection({ prices, recompute }: { prices: PriceItem[]; recompute: PriceRecomputeOverviewItem }) {
  const inForce = prices.filter((p) => p.status !== "superseded");
  const superseded = prices.filter((p) => p.status === "superseded");
  return (
    <Card id="model-prices">
      <CardHeader
        title="Model prices"
        description="USD per million tokens, applied at ingestion with the price in force at each span's start. An exact name beats a pattern; a longer pattern beats a shorter one. Models with no price are stored as unpriced, never as $0, and can be re-priced once their price is added. Seeded with public list prices: check them against your contracts."
      />
      {inForce.length === 0 ? (
        <p className="px-5 py-6 text-sm text-slate-600">No prices yet: every LLM call is stored as unpriced. Add the models your agents use below.</p>
      ) : (
        <PriceTable prices={inForce} caption="Prices in force" />
      )}
      {superseded.length > 0 && (
        <details className="border-t border-slate-100">
          <summary className="cursor-pointer px-5 py-3 text-sm font-medium text-slate-700">Superseded prices ({superseded.length})</summary>
          <PriceTable prices={superseded} caption="Superseded prices" />
        </details>
      )}
      <PriceRecomputePanel overview={recompute} />
      <AddPriceForm />
    </Card>
  );
}
