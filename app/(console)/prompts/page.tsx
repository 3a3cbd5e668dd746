import type { Metadata } from "next";
import { AreaPlaceholder } from "@/components/shell/area-placeholder";
import { requirePageScope } from "@/lib/session";

export const metadata: Metadata = { title: "Prompts" };

export default async function Page() {
  await requirePageScope("prompts:read");
  return (
    <AreaPlaceholder
      title="Prompts"
      description="Every prompt version, who changed it and why, diffs, labels such as production, and rollback."
      plan="The prompt registry is not built yet. Versions published through the API will be listed here."
    />
  );
}
