"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import { apiRequest, errorText } from "./api";

export type ServerPage<T> = {
  data: T | null;
  status: "loading" | "ready" | "error";
  error: string | null;
  /** Fetch the same URL again; `quiet` keeps the rows on screen meanwhile (a background refresh). */
  reload: (opts?: { quiet?: boolean }) => void;
};

/**
 * GET `url` whenever it changes (the newest answer wins; older requests are
 * aborted), optionally again every `refreshMs` while the tab is visible.
 */
export function useServerPage<T>(url: string, opts: { refreshMs?: number } = {}): ServerPage<T> {
  const [data, setData] = useState<T | null>(null);
  const [status, setStatus] = useState<ServerPage<T>["status"]>("loading");
  const [error, setError] = useState<string | null>(null);
  const ctl = useRef<AbortController | null>(null);

  const load = useCallback(
    async (quiet: boolean) => {
      ctl.current?.abort();
      const mine = new AbortController();
      ctl.current = mine;
      if (!quiet) setStatus("loading");
      try {
        const body = await apiRequest<T>(url, { signal: mine.signal });
        if (mine.signal.aborted) return;
        setData(body);
        setError(null);
        setStatus("ready");
      } catch (e) {
        if (mine.signal.aborted) return;
        // A failed background refresh keeps what is on screen.
        if (quiet) return;
        setError(errorText(e));
        setStatus("error");
      }
    },
    [url],
  );

  useEffect(() => {
    void load(false);
    return () => ctl.current?.abort();
  }, [load]);

  const { refreshMs } = opts;
  useEffect(() => {
    if (!refreshMs) return;
    const t = setInterval(() => {
      if (document.visibilityState === "visible") void load(true);
    }, refreshMs);
    return () => clearInterval(t);
  }, [load, refreshMs]);

  const reload = useCallback((o: { quiet?: boolean } = {}) => void load(!!o.quiet), [load]);
  return { data, status, error, reload };
}
