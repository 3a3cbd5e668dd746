import { describe, expect, it } from "vitest";
import { hasScope, keyHasScope, navFor, ROLES } from "./rbac";

describe("roles and scopes", () => {
  it("gives admins every scope", () => {
    expect(hasScope("ADMIN", "admin")).toBe(true);
    expect(hasScope("ADMIN", "escalations:decide")).toBe(true);
  });

  it("keeps decisions with compliance and outcomes with ops", () => {
    expect(hasScope("COMPLIANCE", "escalations:decide")).toBe(true);
    expect(hasScope("OPS_LEAD", "escalations:decide")).toBe(false);
    expect(hasScope("OPS_LEAD", "runs:write")).toBe(true);
    expect(hasScope("FINANCE", "runs:write")).toBe(false);
    expect(hasScope("VIEWER", "audit:read")).toBe(false);
    expect(hasScope(null, "runs:read")).toBe(false);
  });

  it("shows each role only the sections it may open", () => {
    const labels = (role: (typeof ROLES)[number]) => navFor(role).map((i) => i.label);
    expect(labels("ADMIN")).toContain("Settings");
    expect(labels("FINANCE")).toEqual(["Overview", "Agents", "Runs", "Prompts", "Spend", "Changes"]);
    expect(labels("VIEWER")).not.toContain("Audit");
    expect(labels("COMPLIANCE")).toContain("Audit");
  });

  it("lets an admin key do anything, other keys only their scopes", () => {
    expect(keyHasScope(["admin"], "ingest")).toBe(true);
    expect(keyHasScope(["ingest"], "ingest")).toBe(true);
    expect(keyHasScope(["ingest"], "runs:read")).toBe(false);
  });
});
