import "server-only";
import { db } from "@/lib/db";

export function listUsers() {
  return db.user.findMany({
    orderBy: [{ disabled: "asc" }, { email: "asc" }],
    select: { id: true, email: true, name: true, role: true, disabled: true, lastLoginAt: true, oidcSubject: true },
  });
}
