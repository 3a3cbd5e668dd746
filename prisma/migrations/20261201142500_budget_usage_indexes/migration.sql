-- Hand-written: what a budget check sums, each by its own index. The open reservations of a
-- team, and of the whole organisation (by expiry), read from the index alone.
CREATE INDEX "fd_budget_reservation_open_team" ON "BudgetReservation"("teamId", "expiresAt") INCLUDE ("estimatedCostUsd") WHERE "settledAt" IS NULL;
CREATE INDEX "fd_budget_reservation_open_all" ON "BudgetReservation"("expiresAt") INCLUDE ("estimatedCostUsd") WHERE "settledAt" IS NULL;
