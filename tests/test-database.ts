/**
 * The PostgreSQL that tests use: an embedded cluster of its own (port and
 * folder apart from `npm start`'s), overridable so parallel checkouts or
 * helpers do not collide. DATABASE_URL is never used by tests.
 */
export const TEST_PG_PORT = Number(process.env.TEST_PG_PORT ?? 54339);
export const TEST_PG_DIR = process.env.TEST_PG_DIR ?? ".data/test-pg";
export const INTEGRATION_DATABASE = process.env.TEST_PG_DATABASE ?? "flightdeck_test";
export const E2E_DATABASE = process.env.E2E_PG_DATABASE ?? "flightdeck_e2e";
export const E2E_PORT = Number(process.env.E2E_PORT ?? 3100);
