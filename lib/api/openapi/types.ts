/** A fragment of the OpenAPI 3.1 document: each area documents its own routes. */
export interface OpenApiFragment {
  paths: Record<string, unknown>;
  schemas: Record<string, unknown>;
}
