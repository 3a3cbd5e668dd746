/**
 * Who may do what. Scopes are declared once; each role maps to a set of them.
 * One check in three forms: `hasScope` (boolean, anywhere), `requireScope`
 * (server, throws; lib/session.ts) and `useHasScope` (client, only hides UI).
 */
import { ROLES, type RoleName } from "@/lib/enums";

export { ROLES };
export type Role = RoleName;

export const SCOPES = [
  "runs:read",
  "runs:write",
  "agents:read",
  "agents:write",
  "agents:control",
  "prompts:read",
  "prompts:write",
  "prompts:promote",
  "spend:read",
  "budgets:write",
  "escalations:read",
  "escalations:decide",
  "changes:read",
  "changes:propose",
  "changes:approve",
  "changes:rollback",
  "policies:write",
  "audit:read",
  "admin",
] as const;
export type Scope = (typeof SCOPES)[number];

const READ_ALL: Scope[] = ["runs:read", "agents:read", "prompts:read", "spend:read", "escalations:read", "changes:read"];

export const ROLE_SCOPES: Record<Role, readonly Scope[]> = {
  ADMIN: SCOPES,
  OPS_LEAD: [...READ_ALL, "runs:write", "agents:write", "agents:control", "prompts:write", "changes:propose", "changes:rollback"],
  COMPLIANCE: [
    ...READ_ALL,
    "escalations:decide",
    "changes:approve",
    "changes:rollback",
    "prompts:promote",
    "policies:write",
    "audit:read",
  ],
  FINANCE: ["runs:read", "agents:read", "prompts:read", "spend:read", "changes:read", "budgets:write"],
  VIEWER: READ_ALL,
};

export const ROLE_LABELS: Record<Role, string> = {
  ADMIN: "Admin",
  OPS_LEAD: "Ops lead",
  COMPLIANCE: "Compliance",
  FINANCE: "Finance",
  VIEWER: "Viewer",
};

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

export function hasScope(role: Role | null | undefined, scope: Scope): boolean {
  if (!role) return false;
  return ROLE_SCOPES[role].includes(scope);
}

/** Scopes an API key can carry. `admin` implies every other. */
export const API_KEY_SCOPES = [
  "ingest",
  "runs:read",
  "spend:read",
  "prompts:read",
  "prompts:write",
  "escalations:request",
  "escalations:decide",
  "budgets:check",
  "agents:control",
  "admin",
] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export const API_KEY_SCOPE_LABELS: Record<ApiKeyScope, string> = {
  ingest: "Send telemetry (OTLP, native ingest)",
  "runs:read": "Read runs and steps",
  "spend:read": "Read spend and export CSV",
  "prompts:read": "Fetch prompts",
  "prompts:write": "Publish prompt versions, move labels",
  "escalations:request": "Ask for clearance",
  "escalations:decide": "Decide escalations for a user",
  "budgets:check": "Check budgets",
  "agents:control": "Pause and resume agents",
  admin: "Everything, including model prices and policies",
};

export function isApiKeyScope(value: unknown): value is ApiKeyScope {
  return typeof value === "string" && (API_KEY_SCOPES as readonly string[]).includes(value);
}

export function keyHasScope(scopes: readonly string[], scope: ApiKeyScope): boolean {
  return scopes.includes("admin") || scopes.includes(scope);
}

/** The console's sections and the scope each needs; the shell shows only those allowed. */
export const NAV_ITEMS = [
  { href: "/", label: "Overview", scope: null },
  { href: "/agents", label: "Agents", scope: "agents:read" },
  { href: "/runs", label: "Runs", scope: "runs:read" },
  { href: "/prompts", label: "Prompts", scope: "prompts:read" },
  { href: "/spend", label: "Spend", scope: "spend:read" },
  { href: "/escalations", label: "Escalations", scope: "escalations:read" },
  { href: "/changes", label: "Changes", scope: "changes:read" },
  { href: "/audit", label: "Audit", scope: "audit:read" },
  { href: "/settings", label: "Settings", scope: "admin" },
] as const satisfies readonly { href: string; label: string; scope: Scope | null }[];

export function navFor(role: Role) {
  return NAV_ITEMS.filter((item) => item.scope === null || hasScope(role, item.scope));
}
