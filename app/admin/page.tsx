import { requireConsole } from "@/lib/auth/page";

export const dynamic = "force-dynamic";

export default async function AdminHome() {
  const user = await requireConsole("admin", "/admin");
  return <p className="text-slate-600">Welcome, {user.displayName}.</p>;
}
