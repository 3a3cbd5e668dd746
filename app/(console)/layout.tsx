import { redirect } from "next/navigation";
import { Providers } from "@/components/providers";
import { PasswordBanner } from "@/components/shell/password-banner";
import { Sidebar } from "@/components/shell/sidebar";
import { getCurrentUser } from "@/lib/session";

export default async function ConsoleLayout({ children }: { children: React.ReactNode }) {
  const user = await getCurrentUser();
  if (!user) redirect("/login");
  return (
    <Providers>
      <div className="flex min-h-screen">
        <Sidebar user={user} />
        <main className="min-w-0 flex-1 px-8 py-7">
          <PasswordBanner user={user} />
          {children}
        </main>
      </div>
    </Providers>
  );
}
