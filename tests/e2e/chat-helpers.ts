import { randomBytes } from "node:crypto";
import zlib from "node:zlib";
import type { Browser, BrowserContext, Locator, Page } from "@playwright/test";
import { WebSocket } from "ws";
import { ADMIN, expect, serverState, signInAs } from "./helpers";

/** Helpers for the conversation specs: visitor and admin sides, a PNG, a raw ws client, a private server. */

/** A phone-sized visitor (an iPhone-ish viewport with touch). */
export const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 } as const;
export const DESKTOP = { viewport: { width: 1280, height: 900 } } as const;

/** A client address of its own (the server trusts one proxy hop), so strikes never leak between tests. */
export function freshIp(): string {
  const [a, b, c] = randomBytes(3);
  return `100.${64 + (a % 64)}.${b}.${1 + (c % 254)}`;
}

export function uniqueName(first: string): string {
  return `${first} ${randomBytes(3).toString("hex")}`;
}

// A random start, then consecutive: one spec's visitors never share a number (routing's
// "same phone" rule would otherwise hold a chat back from an agent who has the other one).
let phoneSeq = Math.floor(Math.random() * 100);
/** A valid US number (201-555-01xx is libphonenumber's own example range), different from the last 99. */
export function usPhone(): string {
  phoneSeq += 1;
  return `201 555 01${String(phoneSeq % 100).padStart(2, "0")}`;
}

export async function visitorContext(browser: Browser, baseURL = serverState().baseURL): Promise<BrowserContext> {
  return browser.newContext({ baseURL, ...PHONE, extraHTTPHeaders: { "X-Forwarded-For": freshIp() } });
}

export async function staffContext(browser: Browser, baseURL = serverState().baseURL): Promise<BrowserContext> {
  return browser.newContext({ baseURL, ...DESKTOP, extraHTTPHeaders: { "X-Forwarded-For": freshIp() } });
}

export type Visitor = { name: string; email: string; phone: string };

export function newVisitor(first = "Vera"): Visitor {
  const name = uniqueName(first);
  return { name, email: `visitor-${randomBytes(4).toString("hex")}@example.test`, phone: usPhone() };
}

/** Fill the contact form as a person would (without submitting). */
export async function fillContactForm(page: Page, v: Partial<Visitor> & { country?: string }) {
  if (v.name !== undefined) await page.getByLabel("Name", { exact: true }).fill(v.name);
  await page.getByLabel("Country", { exact: true }).selectOption(v.country ?? "US");
  if (v.phone !== undefined) await page.getByLabel("Phone", { exact: true }).fill(v.phone);
  if (v.email !== undefined) await page.getByLabel("Email", { exact: true }).fill(v.email);
}

/** Open the visitor page, start a chat, and wait until the live thread is ready. */
export async function startChat(page: Page, v: Visitor, pagePath = "/p/default") {
  await page.goto(pagePath);
  await fillContactForm(page, v);
  await page.getByRole("button", { name: "Start chat" }).click();
  await expectThreadReady(page);
}

export function messageList(page: Page): Locator {
  return page.getByRole("list", { name: "Chat history" });
}

/** The message whose own text is `body` (a quote of it inside a reply doesn't count). */
export function messageItem(page: Page, body: string): Locator {
  return messageList(page)
    .getByRole("listitem")
    .filter({ has: page.locator("p").filter({ hasText: new RegExp(`^${escapeRe(body)}$`) }) });
}

export function tick(item: Locator, state: "Sending" | "Sent" | "Delivered" | "Read"): Locator {
  return item.getByRole("img", { name: state, exact: true });
}

export async function expectThreadReady(page: Page) {
  await expect(page.getByLabel("Message", { exact: true })).toBeVisible();
  await expect(page.getByText("Loading conversation…")).toHaveCount(0);
}

/** Type and press Enter, as a person would. */
export async function sendText(page: Page, text: string) {
  const box = page.getByLabel("Message", { exact: true });
  await box.fill(text);
  await box.press("Enter");
  await expect(box).toHaveValue("");
}

/** A signed-in admin on a desktop-sized page. */
export async function adminPage(browser: Browser, baseURL = serverState().baseURL): Promise<Page> {
  const context = await staffContext(browser, baseURL);
  const page = await context.newPage();
  await page.goto("/login");
  await signInAs(page, ADMIN);
  return page;
}

/** The admin's Chats table entry for a visitor (the link carries name, phone and last message; a table from tablet width, a list on a phone). */
export function chatLink(page: Page, visitorName: string): Locator {
  return page
    .getByRole("table", { name: "Chats" })
    .or(page.getByRole("list", { name: "Chats" }))
    .getByRole("link", { name: new RegExp(escapeRe(visitorName)) });
}

/** Open the visitor's (latest) chat from /admin/chats. */
export async function openChatAsAdmin(page: Page, visitorName: string) {
  await page.goto("/admin/chats");
  await chatLink(page, visitorName).first().click();
  await expect(page).toHaveURL(/\/admin\/chats\/\d+$/);
  await expect(page.getByRole("region", { name: "Conversation" }).getByRole("heading", { name: visitorName })).toBeVisible();
  await expectThreadReady(page);
}

export function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Make a page behave like a background tab: `document.visibilityState` reads
 * "hidden" and `document.hasFocus()` false until `bringToFront` is called.
 * Headless Chromium reports every page as visible and focused, so without
 * this a staff page that shows a chat would always mark it read at once.
 */
export async function startInBackground(page: Page) {
  await page.addInitScript(() => {
    const w = window as unknown as { __occBackground?: boolean };
    if (w.__occBackground === undefined) w.__occBackground = true;
    const visibility = Object.getOwnPropertyDescriptor(Document.prototype, "visibilityState")!;
    Object.defineProperty(document, "visibilityState", {
      configurable: true,
      get() {
        return w.__occBackground ? "hidden" : visibility.get!.call(document);
      },
    });
    const hasFocus = Document.prototype.hasFocus;
    document.hasFocus = () => (w.__occBackground ? false : hasFocus.call(document));
  });
}

export async function bringToFront(page: Page) {
  await page.bringToFront();
  await page.evaluate(() => {
    (window as unknown as { __occBackground?: boolean }).__occBackground = false;
    document.dispatchEvent(new Event("visibilitychange"));
    window.dispatchEvent(new Event("focus"));
  });
}

/** A small, valid PNG (solid colour), built here so no fixture file is needed. */
export function pngBuffer(width = 12, height = 8, rgb: [number, number, number] = [37, 99, 235]): Buffer {
  const row = 1 + width * 3;
  const raw = Buffer.alloc(row * height);
  for (let y = 0; y < height; y++) {
    raw[y * row] = 0; // filter: none
    for (let x = 0; x < width; x++) raw.set(rgb, y * row + 1 + x * 3);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", ihdr),
    pngChunk("IDAT", zlib.deflateSync(raw)),
    pngChunk("IEND", Buffer.alloc(0)),
  ]);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

function crc32(buf: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of buf) {
    let c = (crc ^ byte) & 0xff;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    crc = (crc >>> 8) ^ c;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** The visitor token the visitor page keeps in localStorage for a project. */
export async function visitorToken(page: Page, slug = "default"): Promise<string> {
  const token = await page.evaluate((s) => localStorage.getItem(`occ:v:${s}`), slug);
  if (!token) throw new Error("the visitor page holds no token");
  return token;
}

/**
 * A raw visitor socket (what the visitor page opens), for sending many
 * messages quickly. Resolves once it has joined the visitor's conversation.
 */
export async function visitorSocket(baseURL: string, token: string, slug = "default") {
  const session = await fetch(`${baseURL}/api/visitor/session`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-for": freshIp() },
    body: JSON.stringify({ slug, token }),
  });
  expect(session.status).toBe(200);
  const { conversationId } = (await session.json()) as { conversationId: number };
  const ws = new WebSocket(`${baseURL.replace(/^http/, "ws")}/ws?vt=${encodeURIComponent(token)}&project=${encodeURIComponent(slug)}`, {
    headers: { Origin: new URL(baseURL).origin },
  });
  const waiters = new Map<string, (f: Record<string, unknown>) => void>();
  ws.on("message", (data) => {
    const f = JSON.parse(data.toString()) as Record<string, unknown>;
    const ref = typeof f.ref === "string" ? f.ref : undefined;
    if (ref && waiters.has(ref)) {
      waiters.get(ref)!(f);
      waiters.delete(ref);
    }
  });
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  const request = (frame: Record<string, unknown> & { ref: string }) =>
    new Promise<Record<string, unknown>>((resolve) => {
      waiters.set(frame.ref, resolve);
      ws.send(JSON.stringify(frame));
    });
  const joined = await request({ type: "join", ref: "join", conversationId });
  expect(joined.type).toBe("joined");
  let n = 0;
  return {
    conversationId,
    /** Send one message and wait for its ack. */
    async say(body: string) {
      const clientMsgId = `e2e-${Date.now().toString(36)}-${++n}`;
      const ack = await request({ type: "send", ref: clientMsgId, conversationId, clientMsgId, body });
      expect(ack.type, JSON.stringify(ack)).toBe("ack");
      return (ack.message as { id: number }).id;
    },
    close: () => ws.close(),
  };
}

export { startServer as startOwnServer, tail, type OwnServer, type StaffSeed } from "./server";
