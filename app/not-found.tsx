// A path outside the console (the console's own 404 is (console)/not-found.tsx).
import { NotFoundMessage } from "@/components/ui/not-found-message";

export default function NotFound() {
  return <NotFoundMessage as="main" className="mx-auto mt-24 max-w-md px-4 text-center" />;
}
