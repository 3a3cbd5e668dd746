import { Badge } from "@/components/ui/badge";

const STATUS_TONE: Record<string, "green" | "amber" | "red" | "gray" | "blue"> = {
  PENDING: "amber",
  APPROVED: "green",
  CLEARED: "green",
  REJECTED: "red",
  EXPIRED: "red",
  CANCELLED: "gray",
};
const STATUS_WORDS: Record<string, string> = {
  PENDING: "pending",
  APPROVED: "approved",
  CLEARED: "cleared",
  REJECTED: "rejected",
  EXPIRED: "expired (rejected at the deadline)",
  CANCELLED: "cancelled",
};

export function EscalationStatusBadge({ status }: { status: string }) {
  return <Badge tone={STATUS_TONE[status] ?? "gray"}>{STATUS_WORDS[status] ?? status.toLowerCase()}</Badge>;
}

export function RiskBadge({ risk }: { risk: string | null }) {
  if (!risk) return null;
  return <Badge tone={risk === "high" ? "red" : risk === "medium" ? "amber" : "gray"}>{risk} risk</Badge>;
}

/** "in 12 min", "3 h 5 min ago". */
export function relativeTime(iso: string, now: number): string {
  const ms = new Date(iso).getTime() - now;
  const minutes = Math.round(Math.abs(ms) / 60_000);
  const text = minutes < 1 ? "under a minute" : minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
  return ms >= 0 ? `in ${text}` : `${text} ago`;
}

export function formatWait(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h} h ${m % 60} min` : `${Math.floor(h / 24)} d ${h % 24} h`;
}
