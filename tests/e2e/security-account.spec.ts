import type { BrowserContext, Page } from "@playwright/test";
import { Secret, TOTP } from "otpauth";
import { ADMIN, expect, signInAs, submitSignIn, formAlert, test } from "./helpers";
import { staffContext, startOwnServer, type OwnServer, type StaffSeed } from "./chat-helpers";

/**
 * /account/security: two-factor sign-in set up and used as a person would
 * (the codes computed here from the key the page shows, as an authenticator
 * app would), and a device signed out from another losing its console at
 * once. A server of its own: enrolling and signing out must not touch the
 * shared accounts other specs sign in with.
 */
const MAYA: StaffSeed = {
  role: "manager",
  email: "maya.2fa@example.test",
  username: "maya_2fa",
  password: "two-Factor-Maya-1",
  displayName: "Maya Twofactor",
};
const DEV: StaffSeed = {
  role: "agent",
  email: "dev.devices@example.test",
  username: "dev_devices",
  password: "two-Devices-Dev-2",
  displayName: "Dev Devices",
};

const QUINN: StaffSeed = {
  role: "qa",
  email: "quinn.required@example.test",
  username: "quinn_required",
  password: "two-Required-Quinn-3",
  displayName: "Quinn Required",
};

let server: OwnServer;
const contexts: BrowserContext[] = [];

test.beforeAll(async () => {
  test.setTimeout(120_000);
  server = await startOwnServer({ accounts: [MAYA, DEV, QUINN], name: "security-account" });
});

test.afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await server?.dispose();
});

async function newPage(browser: Parameters<typeof staffContext>[0]): Promise<Page> {
  const ctx = await staffContext(browser, server.baseURL);
  contexts.push(ctx);
  return ctx.newPage();
}

/** What an authenticator app shows for this key, `aheadSteps` 30-second steps from now. */
function appCode(key: string, aheadSteps = 0): string {
  return new TOTP({ secret: Secret.fromBase32(key), algorithm: "SHA1", digits: 6, period: 30 }).generate({ timestamp: Date.now() + aheadSteps * 30_000 });
}

async function shot(page: Page, name: string) {
  if (process.env.SCREENSHOT_DIR) await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/${name}.png`, fullPage: true });
}

test("two-factor sign-in: set up with an authenticator app, then sign in with password and code", async ({ browser }) => {
  test.setTimeout(90_000);
  const page = await newPage(browser);
  await page.goto("/login");
  await signInAs(page, MAYA);

  await page.goto("/account/security");
  await expect(page.getByRole("heading", { name: "Security" })).toBeVisible();
  const twoFactor = page.getByRole("region", { name: "Two-factor sign-in" });
  await expect(twoFactor.getByText("Off", { exact: true })).toBeVisible();
  await twoFactor.getByRole("button", { name: "Set up two-factor sign-in" }).click();
  await expect(twoFactor.getByRole("img", { name: /QR code/ })).toBeVisible();
  const key = await twoFactor.getByLabel("Setup key").inputValue();
  expect(key).toMatch(/^[A-Z2-7]{32}$/);
  await shot(page, "enrolment");

  // A wrong code first: refused, still off.
  await twoFactor.getByLabel("Code from the app").fill(appCode(key, 10));
  await twoFactor.getByRole("button", { name: "Turn on" }).click();
  await expect(twoFactor.getByRole("alert")).toContainText("doesn't match");
  await twoFactor.getByLabel("Code from the app").fill(appCode(key));
  await twoFactor.getByRole("button", { name: "Turn on" }).click();

  // Ten recovery codes, shown once.
  const codes = twoFactor.getByRole("list", { name: "Save your recovery codes now" }).getByRole("listitem");
  await expect(codes).toHaveCount(10);
  const recovery = (await codes.allTextContents()).map((c) => c.trim());
  expect(recovery.every((c) => /^[a-z2-9]{5}-[a-z2-9]{5}$/.test(c))).toBe(true);
  await shot(page, "recovery-codes");
  await twoFactor.getByRole("button", { name: "I've saved them" }).click();
  await expect(twoFactor.getByText("On", { exact: true })).toBeVisible();
  await expect(twoFactor.getByText(/10 of 10 recovery codes left/)).toBeVisible();
  await shot(page, "account-security");

  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(page).toHaveURL((u) => u.pathname === "/login");

  // Password alone is no longer a session.
  const res = await submitSignIn(page, MAYA.email, MAYA.password);
  expect(res.status()).toBe(200);
  expect((await res.json()).status).toBe("second_factor");
  expect((await page.context().cookies()).some((c) => c.name === "occ_session")).toBe(false);
  await expect(page.getByLabel("Authentication code")).toBeVisible();
  await shot(page, "second-factor");
  await page.getByLabel("Authentication code").fill("000000");
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(formAlert(page)).toContainText("That code didn't work");
  // The code that turned it on can't be replayed; the app's next one (a step later) is accepted.
  await page.getByLabel("Authentication code").fill(appCode(key, 1));
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page).toHaveURL((u) => u.pathname === "/manager");
  await expect(page.getByRole("heading", { name: "Manager Console" })).toBeVisible();

  // A recovery code does too, once.
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(page).toHaveURL((u) => u.pathname === "/login");
  await submitSignIn(page, MAYA.username, MAYA.password);
  await page.getByRole("button", { name: "Use a recovery code" }).click();
  await page.getByLabel("Recovery code").fill(recovery[0].toUpperCase());
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page).toHaveURL((u) => u.pathname === "/manager");
  await page.goto("/account/security");
  await expect(page.getByText(/9 of 10 recovery codes left/)).toBeVisible();
});

test("a device signed out from another device loses its console socket at once", async ({ browser }) => {
  test.setTimeout(90_000);
  // Device A: the agent console, its socket open.
  const a = await newPage(browser);
  await a.goto("/login");
  await signInAs(a, DEV);
  await expect(a.getByText("Connecting…")).toHaveCount(0);
  await expect(a.getByRole("region", { name: "Chat list" })).toBeVisible();

  // Device B: the same agent, on the security page.
  const b = await newPage(browser);
  await b.goto("/login");
  await signInAs(b, DEV, "username");
  await b.goto("/account/security");
  const devices = b.getByRole("list", { name: "Signed-in devices" }).getByRole("listitem");
  await expect(devices).toHaveCount(2);
  await expect(devices.filter({ hasText: "This device" })).toHaveCount(1);
  await expect(devices.first()).toContainText(/Chrome|Chromium/);
  await shot(b, "devices");

  const signOutOther = b.getByRole("button", { name: /^Sign out .+, last active / });
  await expect(signOutOther).toHaveCount(1);
  await signOutOther.click();
  const dialog = b.getByRole("dialog", { name: "Sign out this device?" });
  await expect(dialog).toBeVisible();
  await shot(b, "confirm");
  await dialog.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(b.getByRole("status").filter({ hasText: "is signed out" })).toBeVisible();
  await expect(devices).toHaveCount(1);

  // A: its socket was closed as signed out (no reconnecting), its cookie is dead.
  await expect(a.getByRole("alert").filter({ hasText: "Your session has ended" })).toBeVisible();
  await expect(a.getByText("Reconnecting to live updates…")).toHaveCount(0);
  expect((await a.context().request.get("/api/auth/me")).status()).toBe(401);
  await a.reload();
  await expect(a).toHaveURL((u) => u.pathname === "/login");
  // B is still signed in.
  expect((await b.context().request.get("/api/auth/me")).status()).toBe(200);
});

test("a role that requires two-factor sign-in enrols at its next sign-in, before it gets a session", async ({ browser }) => {
  test.setTimeout(90_000);
  const admin = await newPage(browser);
  await admin.goto("/login");
  await signInAs(admin, ADMIN);
  await admin.goto("/account/security");
  const policy = admin.getByRole("region", { name: "Staff security policy" });
  await expect(policy.getByLabel("Sign out after inactivity (minutes)")).toHaveValue("720");
  await expect(policy.getByLabel("Longest session (hours)")).toHaveValue("168");
  // Out of bounds: the field says why, nothing is saved.
  await policy.getByLabel("Sign out after inactivity (minutes)").fill("2");
  await policy.getByRole("button", { name: "Save policy" }).click();
  await expect(policy.getByRole("alert")).toBeVisible();
  await expect(policy.getByText("At least 5 minutes.")).toBeVisible();
  await policy.getByLabel("Sign out after inactivity (minutes)").fill("720");
  await policy.getByRole("checkbox", { name: "Quality analysts" }).check();
  await policy.getByRole("button", { name: "Save policy" }).click();
  // The confirmation is a toast (the console's one live region), outside the card.
  await expect(admin.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();
  await shot(admin, "policy");

  const qa = await newPage(browser);
  const res = await submitSignIn(qa, QUINN.email, QUINN.password);
  expect((await res.json()).status).toBe("enroll");
  expect((await qa.context().cookies()).some((c) => c.name === "occ_session")).toBe(false);
  await expect(qa.getByRole("heading", { name: "Set up two-factor sign-in" })).toBeVisible();
  await expect(qa.getByRole("img", { name: /QR code/ })).toBeVisible();
  await shot(qa, "sign-in-enrolment");
  const key = await qa.getByLabel("Setup key").inputValue();
  await qa.getByLabel("Code from the app").fill(appCode(key));
  await qa.getByRole("button", { name: "Turn on and sign in" }).click();
  await expect(qa.getByRole("list", { name: "Save your recovery codes now" }).getByRole("listitem")).toHaveCount(10);
  await qa.getByRole("button", { name: "Continue to the console" }).click();
  await expect(qa).toHaveURL((u) => u.pathname === "/qa");
  await expect(qa.getByRole("heading", { name: "QA Console" })).toBeVisible();

  // Required: it can't be turned off.
  await qa.goto("/account/security");
  const twoFactor = qa.getByRole("region", { name: "Two-factor sign-in" });
  await expect(twoFactor.getByText("On", { exact: true })).toBeVisible();
  await expect(twoFactor.getByRole("button", { name: "Turn off two-factor sign-in" })).toHaveCount(0);
  await expect(twoFactor.getByText("Your role requires two-factor sign-in")).toBeVisible();
  // Nor does a non-admin see the policy.
  await expect(qa.getByRole("region", { name: "Staff security policy" })).toHaveCount(0);
});
