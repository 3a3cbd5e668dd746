/** Budgets on the spend page: burn-down, forecast, alerts and the budget form (issue 10, budgets part). */
export async function BudgetsSection() {
  return null;
}
