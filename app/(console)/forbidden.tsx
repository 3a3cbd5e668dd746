import { ForbiddenNotice } from "@/components/shell/forbidden-notice";

export default function Forbidden() {
  return <ForbiddenNotice />;
}
