"use client";
/** Claiming an escalation (others see who works on it; it lapses after 15 minutes) or giving the claim back. */
import { useActionState } from "react";
import { Button } from "@/components/ui/button";
import { FormMessage } from "@/components/ui/field";
import { claimEscalationAction, releaseEscalationAction } from "@/lib/escalations/actions";
import { IDLE, type ActionState } from "@/lib/forms";

export function ClaimForm({ escalationId, mine }: { escalationId: string; mine: boolean }) {
  const [state, dispatch, pending] = useActionState<ActionState<{ outcome: string }>, FormData>(mine ? releaseEscalationAction : claimEscalationAction, IDLE);
  return (
    <form action={dispatch} className="flex flex-wrap items-center gap-3" aria-label={mine ? "Release this escalation" : "Claim this escalation"}>
      <input type="hidden" name="escalationId" value={escalationId} />
      <Button type="submit" variant="secondary" size="sm" disabled={pending}>
        {pending ? "Working…" : mine ? "Release my claim" : "Claim it"}
      </Button>
      <FormMessage state={state} />
    </form>
  );
}
