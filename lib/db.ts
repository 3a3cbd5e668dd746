/**
 * The one Prisma client of the process, over a pg pool (driver adapter, no
 * native engine). Created lazily so importing it never throws, even during
 * `next build` with no DATABASE_URL.
 */
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/lib/generated/prisma/client";

export type Db = PrismaClient;
/** A client inside `db.$transaction(async (tx) => …)`. */
export type Tx = Omit<PrismaClient, "$connect" | "$disconnect" | "$on" | "$transaction" | "$extends">;

const globalForDb = globalThis as unknown as { flightdeckDb?: PrismaClient };

function createClient(): PrismaClient {
  const connectionString = process.env.DATABASE_URL;
  if (!connectionString) {
    throw new Error("DATABASE_URL is not set: start Flightdeck with `npm start`, or set DATABASE_URL.");
  }
  const max = Number(process.env.DATABASE_POOL_MAX ?? 10) || 10;
  const adapter = new PrismaPg({ connectionString, max, idleTimeoutMillis: 30_000 });
  return new PrismaClient({ adapter });
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

export async function disconnectDb(): Promise<void> {
  if (globalForDb.flightdeckDb) {
    await globalForDb.flightdeckDb.$disconnect();
    globalForDb.flightdeckDb = undefined;
  }
}
