import type { Metadata } from "next";
import { AreaPlaceholder } from "@/components/shell/area-placeholder";
import { requirePageScope } from "@/lib/session";

export const metadata: Metadata = { title: "Spend" };

export default async function Page() {
  await requirePageScope("spend:read");
  return (
    <AreaPlaceholder
      title="Spend"
      description="Token spend by team, agent, model and prompt version, against budgets, with forecasts and CSV export."
      plan="Spend is computed from ingested LLM calls and the model price table; the charts and budgets come with this area."
    />
  );
}
