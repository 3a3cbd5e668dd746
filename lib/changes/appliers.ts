/**
 * Loads every kind's applier into the registry. Entry points that decide or
 * roll back changes (server actions, API routes, queries, tests) import this
 * once; the kinds' modules register themselves when loaded.
 */
import "@/lib/prompts/labels";
import "@/lib/agents/config";
import "@/lib/spend/budgets/applier";
import "@/lib/escalations/policies/applier";
