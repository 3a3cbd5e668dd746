-- Hand-written: what circuit breakers read per agent, each by its own narrow index (lib/agents/breakers/measure.ts).
-- The agent's most recently active runs (tool error rate over the last N calls; spend in the last hour, by last step).
CREATE INDEX "fd_run_agent_last_step" ON "Run"("agentId", "lastStepAt");
-- Its looping runs, and its running runs: few rows each, so the partial indexes stay small.
CREATE INDEX "fd_run_agent_loop" ON "Run"("agentId", "lastStepAt") WHERE "flagLoop";
CREATE INDEX "fd_run_agent_running" ON "Run"("agentId", "startedAt") WHERE "status" = 'RUNNING';
-- Its decided escalations, newest decision first (rejected in a row).
CREATE INDEX "fd_escalation_agent_decided" ON "Escalation"("agentId", "decidedAt") WHERE "status" IN ('APPROVED', 'REJECTED');
-- Trips and would-trips across agents, newest first (the Overview).
CREATE INDEX "fd_breaker_event_fired" ON "BreakerEvent"("at") WHERE "kind" IN ('TRIPPED', 'WOULD_TRIP');
