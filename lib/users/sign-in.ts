/** What every successful sign-in records, whatever the method. */
import type { Tx } from "@/lib/db";
import { recordSignInCommand } from "./commands";

export async function recordSignIn(tx: Tx, user: { id: string; email: string }, method: "password" | "oidc"): Promise<void> {
  await recordSignInCommand(tx, { type: "USER", id: user.id, label: user.email }, { method });
}
