import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";

/** The honest state of an area that is not built yet: what it will do, no fake data. */
export function AreaPlaceholder({ title, description, plan }: { title: string; description: string; plan: string }) {
  return (
    <>
      <PageHeader title={title} description={description} />
      <EmptyState title={`${title} is not available yet`}>
        <p>{plan}</p>
      </EmptyState>
    </>
  );
}
