import fs from "node:fs";
import { test as base, expect, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { ADMIN, SEEDED, type Account, type ServerState } from "./accounts";

export { ADMIN, SEEDED, expect };
export type { Account };

/** What global setup started (base URL, server log). */
export function serverState(): ServerState {
  const file = process.env.E2E_STATE_FILE;
  if (!file) throw new Error("E2E_STATE_FILE is not set: run the e2e tests through playwright.config.ts (global setup)");
  return JSON.parse(fs.readFileSync(file, "utf8")) as ServerState;
}

/** The server's output so far. */
export function serverLog(): string {
  return fs.readFileSync(serverState().logFile, "utf8");
}

/** `test` with baseURL pointing at the server global setup started. */
export const test = base.extend({
  baseURL: async ({}, use) => {
    await use(serverState().baseURL);
  },
});

export const CONSOLE: Record<Account["role"], { path: string; title: string }> = {
  admin: { path: "/admin", title: "Admin Console" },
  manager: { path: "/manager", title: "Manager Console" },
  agent: { path: "/agent", title: "Agent Console" },
  qa: { path: "/qa", title: "QA Console" },
};

/**
 * A fresh browser context whose requests come from `ip` (the server trusts one
 * proxy hop, so X-Forwarded-For names the client): strikes and blocks against
 * one test's address never touch another test.
 */
export async function contextFrom(browser: Browser, ip?: string): Promise<BrowserContext> {
  return browser.newContext({
    baseURL: serverState().baseURL,
    ...(ip ? { extraHTTPHeaders: { "X-Forwarded-For": ip } } : {}),
  });
}

/** Fill the sign-in form as a person would and submit it; returns the login API response. */
export async function submitSignIn(page: Page, login: string, password: string) {
  if (!new URL(page.url(), "http://x").pathname.startsWith("/login")) await page.goto("/login");
  await page.getByLabel("Email or username").fill(login);
  await page.getByLabel("Password").fill(password);
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith("/api/auth/login") && r.request().method() === "POST"),
    page.getByRole("button", { name: "Sign in" }).click(),
  ]);
  return res;
}

/** The sign-in form's error message (Next's route announcer is an alert too, outside the form). */
export function formAlert(page: Page) {
  return page.locator("form").getByRole("alert");
}

/** Sign in and wait until the user's own console is showing. */
export async function signInAs(page: Page, account: Account, by: "email" | "username" = "email") {
  const res = await submitSignIn(page, by === "email" ? account.email : account.username, account.password);
  expect(res.status(), `sign-in of ${account.email}`).toBe(200);
  const c = CONSOLE[account.role];
  await expect(page).toHaveURL((u) => u.pathname === c.path);
  await expect(page.getByRole("heading", { name: c.title })).toBeVisible();
}

/** The session cookie of a context, as a Cookie header value. */
export async function sessionCookieHeader(context: BrowserContext): Promise<string> {
  const cookie = (await context.cookies()).find((c) => c.name === "occ_session");
  if (!cookie) throw new Error("no session cookie in this context");
  return `${cookie.name}=${cookie.value}`;
}
