"use client";
/** Admins: whether an agent's new configurations wait for a second person's approval. */

import { useActionState } from "react";
import { FormMessage } from "@/components/ui/field";
import { Button } from "@/components/ui/button";
import { setConfigProtectedAction } from "@/lib/agents/actions";
import { IDLE, type ActionState } from "@/lib/forms";

export function ConfigProtectionForm({ agent, configProtected }: { agent: string; configProtected: boolean }) {
  const [state, dispatch, pending] = useActionState<ActionState, FormData>(setConfigProtectedAction, IDLE);
  return (
    <form action={dispatch} className="flex flex-wrap items-center gap-3 px-5 py-3" aria-label="Configuration protection">
      <input type="hidden" name="agent" value={agent} />
      <input type="hidden" name="configProtected" value={configProtected ? "off" : "on"} />
      <p className="text-sm text-slate-700">{configProtected ? "New configurations wait for another person's approval." : "New configurations apply at once (not protected)."}</p>
      <Button type="submit" variant="secondary" size="sm" disabled={pending}>
        {pending ? "Saving…" : configProtected ? "Remove protection" : "Protect"}
      </Button>
      <FormMessage state={state} />
    </form>
  );
}
