/**
 * The one ingestion pipeline. OTLP (protobuf, JSON), the native batch API and
 * the demo generator decode into one `DecodedBatch` and go through
 * `ingestBatch`: in one transaction per request,
 *   1. store: steps (store.ts), then run and evaluation items (items.ts);
 *   2. post-store hooks, in the declared order of `POST_STORE_HOOKS` (hooks.ts),
 *      each owned by its area (run analysis, evaluators, spend rollup…);
 *   3. the request's line in the ingestion ledger (ledger.ts), last.
 * A new reaction to ingested telemetry (budget alerts, breakers, policy
 * signals) is one more hook in that list, on every path at once.
 *
 * No audit event per request: the audit log is for decisions and changes by
 * people, keys and the system, and its hash chain's advisory lock, held until
 * commit, serialised every ingest transaction of every instance. What was sent
 * is the ledger's (per key and minute, sharded rows, no global lock). Storing
 * telemetry is not a decision (a run's outcome set by telemetry is not
 * audited: it never replaces a person's, see items.ts and store-sql.ts); a
 * change people care about that a hook makes (e.g. a breaker that trips,
 * later) appends its own audit event in its hook.
 */
import type { Actor } from "@/lib/audit";
import { transactionWithConnection, type Tx } from "@/lib/db";
import type { Connection } from "@/lib/db/bulk";
import { POST_STORE_HOOKS } from "./hooks";
import { redactRunItems, storeEvaluationItems, storeRunItems, type EvaluationItem, type ItemError, type RunItem } from "./items";
import { recordIngest } from "./ledger";
import { EMPTY_STORE_RESULT, storeSteps, type StoreResult } from "./store";
import type { StepDraft } from "./types";

export type IngestSource = "otlp" | "native" | "demo";

/** What every decoder produces: already validated, mapped items (rejections are the decoder's to report). */
export interface DecodedBatch {
  source: IngestSource;
  steps: StepDraft[];
  /** Run items (native API): what they state explicitly wins over what their root step implies. */
  runs?: RunItem[];
  evaluations?: EvaluationItem[];
}

/** What the store stage did, as the hooks and the caller see it. */
export interface StoredBatch {
  steps: StoreResult;
  /** Every run the batch touched. */
  runIds: string[];
  /** Runs the batch created (by steps or run items). */
  runsCreated: number;
  /** Runs touched by run or evaluation items: they get the whole analysis (the step store did part of it for the rest). */
  itemRunIds: string[];
  /** Evaluations accepted: stored now, or recognised as re-sent (stored before, by their dedupKey). */
  evaluationsStored: number;
  /** Items refused while storing (e.g. an evaluation for an unknown run). */
  itemErrors: ItemError[];
  createdAgents: string[];
  createdTeams: string[];
}

export interface HookContext {
  tx: Tx;
  /** The transaction's own pg connection for bulk statements, or null (lib/db/bulk.ts). */
  connection: Connection;
  actor: Actor;
  batch: DecodedBatch;
  stored: StoredBatch;
}

/** Work done after every store, in the ingest transaction. */
export interface PostStoreHook {
  /** `area.what`, for profiles and errors. */
  name: string;
  run(context: HookContext): Promise<void>;
}

export const INGEST_TRANSACTION = { maxWait: 15_000, timeout: 60_000 } as const;

/**
 * What the decoder saw before the batch, for the ledger: the spans (or step items) the request carried
 * (`receivedSpans`, before validation) and those it refused (`rejectedSpans`); without them the valid ones
 * count as received and none as rejected.
 */
export interface IngestCounts {
  receivedSpans?: number;
  rejectedSpans?: number;
}

/** Stores a decoded batch, runs every hook and adds the request to the ingestion ledger, in one transaction. */
export async function ingestBatch(
  actor: Actor,
  batch: DecodedBatch,
  { receivedSpans, rejectedSpans = 0 }: IngestCounts = {},
): Promise<StoredBatch> {
  return transactionWithConnection(async (tx, connection) => {
    const stored = await storeBatch(tx, connection, actor, batch);
    const context: HookContext = { tx, connection, actor, batch, stored };
    for (const hook of POST_STORE_HOOKS) await hook.run(context);
    await recordIngest(tx, connection, actor, batch.source, {
      spansReceived: receivedSpans ?? batch.steps.length + rejectedSpans,
      spansAccepted: batch.steps.length,
      spansDuplicate: stored.steps.duplicates,
      spansRejected: rejectedSpans,
      runsCreated: stored.runsCreated,
    });
    return stored;
  }, INGEST_TRANSACTION);
}

async function storeBatch(tx: Tx, connection: Connection, actor: Actor, batch: DecodedBatch): Promise<StoredBatch> {
  // Run items are redacted before anything reads them: their agent and team also key the steps' spend.
  const runItems = await redactRunItems(tx, batch.runs ?? [], connection);
  const steps = batch.steps.length ? await storeSteps(tx, batch.steps, connection, runItems) : EMPTY_STORE_RESULT;
  const runs = await storeRunItems(tx, runItems, connection);
  const itemErrors: ItemError[] = [];
  const evaluations = await storeEvaluationItems(tx, actor, batch.evaluations ?? [], itemErrors);
  const itemRunIds = [...new Set([...runs.runIds, ...evaluations.runIds])];
  return {
    steps,
    runIds: [...new Set([...itemRunIds, ...steps.runIds])],
    itemRunIds,
    runsCreated: steps.runsCreated + runs.runsCreated,
    evaluationsStored: evaluations.count,
    itemErrors,
    createdAgents: [...new Set([...runs.createdAgents, ...steps.createdAgents])],
    createdTeams: [...new Set([...runs.createdTeams, ...steps.createdTeams])],
  };
}
