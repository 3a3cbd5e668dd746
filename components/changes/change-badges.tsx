import { Badge } from "@/components/ui/badge";
import type { ChangeStatusName } from "@/lib/enums";

const TONE: Record<ChangeStatusName, "amber" | "green" | "red" | "gray" | "violet" | "blue"> = {
  PENDING: "amber",
  APPLIED: "green",
  REJECTED: "red",
  ROLLED_BACK: "violet",
  CANCELLED: "gray",
  SUPERSEDED: "gray",
};

export const STATUS_LABELS: Record<ChangeStatusName, string> = {
  PENDING: "Waiting for approval",
  APPLIED: "Applied",
  REJECTED: "Rejected",
  ROLLED_BACK: "Rolled back",
  CANCELLED: "Cancelled",
  SUPERSEDED: "Superseded",
};

export function ChangeStatusBadge({ status }: { status: ChangeStatusName }) {
  return <Badge tone={TONE[status]}>{STATUS_LABELS[status]}</Badge>;
}
