/**
 * A plain form post, so signing out works the instant the button is on the
 * screen (before the page has hydrated, or with scripts broken): the route
 * answers a form with a 303 to /login, and fetch callers with a 204.
 */
export function SignOutButton() {
  return (
    <form method="post" action="/api/auth/logout">
      <button type="submit" className="rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-100">
        Sign out
      </button>
    </form>
  );
}
