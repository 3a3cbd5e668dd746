/** Limits shared by the status commands, the API and the forms (no server-only imports, so forms can use them). */
export const REASON_MAX = 500;
