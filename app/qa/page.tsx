import { requireConsole } from "@/lib/auth/page";

export const dynamic = "force-dynamic";

export default async function QaHome() {
  const user = await requireConsole("qa", "/qa");
  return <p className="text-slate-600">Welcome, {user.displayName}.</p>;
}
