import { redirect } from "next/navigation";
import { currentStaff } from "@/lib/auth/page";
import { CONSOLE_PATH } from "@/lib/auth/permissions";
import { SignInForm } from "@/components/account/SignInForm";

export const dynamic = "force-dynamic";
export const metadata = { title: "Sign in · OnlineChatCRM" };

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ next?: string }> }) {
  const user = await currentStaff();
  if (user) redirect(CONSOLE_PATH[user.role]);
  const { next } = await searchParams;
  return (
    <main className="flex min-h-dvh items-center justify-center p-4">
      <div className="w-full max-w-sm rounded-xl border border-slate-200 bg-white p-6 shadow-sm">
        <h1 className="mb-1 text-xl font-semibold">Sign in</h1>
        <p className="mb-6 text-sm text-slate-600">OnlineChatCRM staff console</p>
        <SignInForm next={typeof next === "string" ? next : undefined} />
      </div>
    </main>
  );
}
