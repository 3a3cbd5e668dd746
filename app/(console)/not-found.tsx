// A page or record that does not exist, inside the console shell (answered with status 404).
import { NotFoundMessage } from "@/components/ui/not-found-message";

export default function ConsoleNotFound() {
  return <NotFoundMessage className="mx-auto mt-16 max-w-md text-center" />;
}
