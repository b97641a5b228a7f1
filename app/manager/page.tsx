import { requireConsole } from "@/lib/auth/page";

export const dynamic = "force-dynamic";

export default async function ManagerHome() {
  const user = await requireConsole("manager", "/manager");
  return <p className="text-slate-600">Welcome, {user.displayName}.</p>;
}
