/** A refused request: the server's message, and its field errors (`{ email: "Another staff member…" }`) when it named fields. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | null = null,
    readonly fields: Record<string, string> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }
}

type Init = RequestInit & { json?: unknown };

/** JSON over fetch for the consoles: errors as ApiError; an ended session goes back to the sign-in page. */
export async function apiRequest<T>(url: string, init: Init = {}): Promise<T> {
  const { json, ...rest } = init;
  let res: Response;
  try {
    res = await fetch(url, {
      ...rest,
      headers: json !== undefined ? { "content-type": "application/json", ...rest.headers } : rest.headers,
      body: json !== undefined ? JSON.stringify(json) : rest.body,
      credentials: "same-origin",
    });
  } catch (err) {
    if ((err as { name?: string }).name === "AbortError") throw err;
    throw new ApiError("Can't reach the server. Check your connection.", 0);
  }
  if (res.status === 401) {
    location.assign(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
    throw new ApiError("Please sign in again.", 401);
  }
  const body = (await res.json().catch(() => null)) as (T & { error?: { code?: string; message?: string; fields?: Record<string, string> } }) | null;
  if (!res.ok) {
    const e = body?.error;
    throw new ApiError(e?.message ?? `Request failed (${res.status}).`, res.status, e?.code ?? null, e?.fields ?? {});
  }
  return body as T;
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : "Something went wrong.";
}
