import { execFile } from "node:child_process";
import path from "node:path";
import pg from "pg";
import { describe, expect, inject, it } from "vitest";
import { appendAudit, SYSTEM_ACTOR } from "@/lib/audit";
import type { AuditAction } from "@/lib/audit/actions";
import { db } from "@/lib/db";

const url = inject("databaseUrl");
const ROOT = path.resolve(import.meta.dirname, "..");

function auditVerify(): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      path.join(ROOT, "node_modules/.bin/tsx"),
      ["scripts/audit-verify.ts"],
      { cwd: ROOT, env: { ...process.env, DATABASE_URL: url }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function setAfter(seq: bigint, json: string | null) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('ALTER TABLE "AuditEvent" DISABLE TRIGGER fd_audit_event_append_only');
    await client.query('UPDATE "AuditEvent" SET "after" = $1::jsonb WHERE seq = $2', [json, seq.toString()]);
  } finally {
    await client.query('ALTER TABLE "AuditEvent" ENABLE TRIGGER fd_audit_event_append_only');
    await client.end();
  }
}

describe("npm run audit:verify", () => {
  it("reports an intact chain with its size, and the first tampered event with exit code 1", async () => {
    for (let i = 0; i < 3; i++) {
      await db.$transaction((tx) => appendAudit(tx, { actor: SYSTEM_ACTOR, action: "test.cli" as AuditAction, targetType: "test", after: { i } }));
    }
    const total = await db.auditEvent.count();
    const ok = await auditVerify();
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`Audit chain OK: ${total} events checked (last #${total})`);

    const target = await db.auditEvent.findFirstOrThrow({ where: { action: "test.cli" }, orderBy: { seq: "asc" } });
    await setAfter(target.seq, JSON.stringify({ i: 999 }));
    try {
      const broken = await auditVerify();
      expect(broken.code).toBe(1);
      expect(broken.stderr).toContain(`Audit chain BROKEN at event #${target.seq} (hash_mismatch)`);
      expect(broken.stderr).toContain(`${Number(target.seq) - 1} events before it verified`);
    } finally {
      await setAfter(target.seq, JSON.stringify(target.after));
    }
    expect((await auditVerify()).code).toBe(0);
  });
});
