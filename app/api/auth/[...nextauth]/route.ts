import { methodNotAllowed } from "@/lib/api/methods";
import { handlers } from "@/lib/auth";

export const { GET, POST } = handlers;
export const { PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(["GET", "POST"]);
