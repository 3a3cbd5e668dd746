/**
 * Application errors with codes shaped `type:surface` (`forbidden:audit`,
 * `not_found:run`). The HTTP status follows from the type. Anything else is an
 * internal error: logged with its cause, shown to nobody.
 */
export const ERROR_STATUS = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  locked: 423,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const;

export type ErrorType = keyof typeof ERROR_STATUS;
export type ErrorCode = `${ErrorType}:${string}`;

export class AppError extends Error {
  readonly type: ErrorType;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "AppError";
    this.type = code.split(":")[0] as ErrorType;
  }

  get status(): number {
    return ERROR_STATUS[this.type];
  }

  /** The code answered over HTTP; a contract may fix a bare one (`agent_paused`, lib/agents/gate.ts). */
  get publicCode(): string {
    return this.code;
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/** The JSON body for an error; unknown errors are logged and answered generically. */
export function toErrorBody(error: unknown, logContext = "request"): { status: number; body: ErrorBody } {
  if (isAppError(error)) {
    const body: ErrorBody = { error: { code: error.publicCode, message: error.message } };
    if (error.details !== undefined) body.error.details = error.details;
    return { status: error.status, body };
  }
  if (isDatabaseUnavailable(error)) {
    console.error(`[flightdeck] ${logContext}: database unavailable`, error);
    return { status: 503, body: { error: { code: "unavailable:database", message: "The database is not answering; try again shortly." } } };
  }
  console.error(`[flightdeck] ${logContext}: unexpected error`, error);
  return { status: 500, body: { error: { code: "internal:server", message: "Something went wrong on our side; it has been logged." } } };
}

export function isDatabaseUnavailable(error: unknown): boolean {
  const text = error instanceof Error ? `${error.name} ${error.message} ${String((error as { code?: unknown }).code ?? "")}` : "";
  return /ECONNREFUSED|ETIMEDOUT|57P01|57P03|Connection terminated|connect ECONN/i.test(text);
}

/** True for a Postgres unique violation (directly or wrapped by Prisma). */
export function isUniqueViolation(error: unknown): boolean {
  if (!error || typeof error !== "object") return false;
  const e = error as { code?: string; meta?: { driverAdapterError?: { cause?: { kind?: string } } } };
  return e.code === "P2002" || e.code === "23505" || e.meta?.driverAdapterError?.cause?.kind === "UniqueConstraintViolation";
}
