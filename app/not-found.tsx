import { connection } from "next/server";

/**
 * Rendered per request, not prerendered at build time: a static 404 page's
 * scripts would carry no nonce, and the strict CSP every page gets
 * (lib/security/headers.ts) would block them.
 */
export default async function NotFound() {
  await connection();
  return (
    <main className="mx-auto max-w-md p-10 text-center">
      <h1 className="text-2xl font-semibold">Page not found</h1>
      <p className="mt-2 text-slate-600">The page you asked for doesn&apos;t exist.</p>
    </main>
  );
}
