/**
 * Demo accounts, one per role, listed in the README: their passwords are
 * public, so they are seeded only for the zero-configuration start or with
 * FLIGHTDECK_DEMO=1 (prisma/seed.ts), flagged `demoPassword`.
 */
import type { Role } from "@/lib/rbac";

export const DEMO_USERS: { email: string; name: string; role: Role; password: string }[] = [
  { email: "admin@flightdeck.local", name: "Ada Admin", role: "ADMIN", password: "flightdeck-admin" },
  { email: "ops@flightdeck.local", name: "Omar Ops", role: "OPS_LEAD", password: "flightdeck-ops" },
  { email: "compliance@flightdeck.local", name: "Chloe Compliance", role: "COMPLIANCE", password: "flightdeck-compliance" },
  { email: "finance@flightdeck.local", name: "Fred Finance", role: "FINANCE", password: "flightdeck-finance" },
  { email: "viewer@flightdeck.local", name: "Vera Viewer", role: "VIEWER", password: "flightdeck-viewer" },
];
