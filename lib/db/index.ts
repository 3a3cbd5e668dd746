/**
 * The one Prisma client of the process, over a pg pool (driver adapter, no
 * native engine). Created lazily so importing it never throws, even during
 * `next build` with no DATABASE_URL.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "@/lib/generated/prisma/client";

export type Db = PrismaClient;
/** A client inside `db.$transaction(async (tx) => …)`. */
export type Tx = Omit<PrismaClient, "$connect" | "$disconnect" | "$on" | "$transaction" | "$extends">;

const globalForDb = globalThis as unknown as { flightdeckDb?: PrismaClient; flightdeckPool?: pg.Pool };

function createClient(): PrismaClient {
  const connectionString = process.env.DATABASE_URL;
  if (!connectionString) {
    throw new Error("DATABASE_URL is not set: start Flightdeck with `npm start`, or set DATABASE_URL.");
  }
  const max = Number(process.env.DATABASE_POOL_MAX ?? 10) || 10;
  const pool = createTransactionAwarePool({ connectionString, max, idleTimeoutMillis: 30_000 });
  globalForDb.flightdeckPool = pool;
  return new PrismaClient({ adapter: new PrismaPg(pool) });
}

/**
 * The connection an interactive transaction runs on, for hot paths that send a
 * few bulk statements with `pg` directly (Prisma's raw-query parameter
 * pipeline costs ~30 ms of CPU per 1,000-row batch). The adapter takes a pool
 * connection with `pool.connect()` when a transaction starts; inside
 * `transactionWithConnection` that connection is remembered (AsyncLocalStorage),
 * so the statements sent on it belong to the same transaction.
 */
const transactionConnection = new AsyncLocalStorage<{ client?: pg.PoolClient }>();

/** A pg pool (as Prisma's adapter would create) that remembers which connection a transaction took. */
export function createTransactionAwarePool(config: pg.PoolConfig): pg.Pool {
  const pool = new pg.Pool(config);
  const original = pool.connect as (...args: unknown[]) => unknown;
  pool.connect = ((...args: unknown[]) => {
    // The callback form is pool.query's own checkout (queries outside transactions): left alone.
    if (args.length > 0) return original.apply(pool, args);
    const connecting = original.call(pool) as Promise<pg.PoolClient>;
    const slot = transactionConnection.getStore();
    if (!slot || slot.client) return connecting;
    return connecting.then((client) => {
      slot.client = client;
      return client;
    });
  }) as typeof pool.connect;
  return pool;
}

/**
 * `db.$transaction(fn)`, also giving `fn` the transaction's own pg connection
 * (null when the client was not created by `getDb`, e.g. a test's own client:
 * callers then send the same SQL through `tx`).
 */
export function transactionWithConnection<T>(
  fn: (tx: Tx, connection: pg.PoolClient | null) => Promise<T>,
  options?: { maxWait?: number; timeout?: number },
): Promise<T> {
  const slot: { client?: pg.PoolClient } = {};
  return transactionConnection.run(slot, () =>
    getDb().$transaction(async (tx) => fn(tx, (await verifiedConnection(tx, slot.client)) ?? null), options),
  );
}

/** Checked once per process: the remembered connection is the one the transaction runs on (else never used). */
let connectionCheck: "unchecked" | "ok" | "failed" = "unchecked";

async function verifiedConnection(tx: Tx, client: pg.PoolClient | undefined): Promise<pg.PoolClient | undefined> {
  if (!client || connectionCheck === "failed") return undefined;
  if (connectionCheck === "ok") return client;
  const [row] = await tx.$queryRaw<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
  const own = (client as pg.PoolClient & { processID?: number }).processID;
  connectionCheck = row?.pid === own ? "ok" : "failed";
  if (connectionCheck === "failed") console.warn("[flightdeck] transaction connection not identified: bulk ingestion statements go through Prisma");
  return connectionCheck === "ok" ? client : undefined;
}

export function getDb(): PrismaClient {
  globalForDb.flightdeckDb ??= createClient();
  return globalForDb.flightdeckDb;
}

/** `db.user.findMany()` etc.; the client is created on first use. */
export const db: PrismaClient = new Proxy({} as PrismaClient, {
  get(_target, property) {
    const client = getDb();
    const value = Reflect.get(client, property, client);
    return typeof value === "function" ? value.bind(client) : value;
  },
});

/**
 * One read statement with plain pg on the client's own pool, for the hottest
 * agent-facing reads (a prompt fetch, an API key lookup): Prisma's query
 * pipeline costs ~0.3 ms of CPU per statement, plain pg ~0.1 ms.
 * Parameterised (`$1`…) like every query; never inside a transaction.
 */
export async function readQuery<R extends object>(text: string, values: unknown[]): Promise<R[]> {
  getDb();
  const pool = globalForDb.flightdeckPool;
  if (!pool) throw new Error("The database pool is not open.");
  return (await pool.query<R>(text, values)).rows;
}

/**
 * A short transaction in plain pg on the client's own pool, for hot
 * agent-facing writes that must hold a lock for as little time as possible
 * (a budget reservation): BEGIN, `fn`, COMMIT, or ROLLBACK when it throws.
 */
export async function plainTransaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  getDb();
  const pool = globalForDb.flightdeckPool;
  if (!pool) throw new Error("The database pool is not open.");
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query("BEGIN");
    const result = await fn(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    // A connection that cannot even roll back is not given back to the pool.
    await client.query("ROLLBACK").catch(() => (broken = true));
    throw error;
  } finally {
    client.release(broken);
  }
}

export async function disconnectDb(): Promise<void> {
  if (globalForDb.flightdeckDb) {
    const pool = globalForDb.flightdeckPool;
    await globalForDb.flightdeckDb.$disconnect();
    globalForDb.flightdeckDb = undefined;
    globalForDb.flightdeckPool = undefined;
    // The adapter may or may not end a pool it was given; ending twice only throws.
    await pool?.end().catch(() => undefined);
  }
}
