/**
 * The chat thread in a real browser (Debian's Chromium through Playwright):
 * keystroke-to-paint in the agent console's composer and the time to load the
 * next older page with 30, 5,000 and 50,000 messages loaded in the client, and
 * a quote jump to a message 40,000 back. Ratios are against the 30-message
 * figures of the same run.
 *
 * The server is the real one (`node scripts/start.mjs`, production build, a
 * PGlite data dir of its own), started by tests/e2e/server.ts; the chats are
 * seeded into its database while it is stopped (tests/e2e/thread-seed.ts).
 *
 * How "N loaded" is reached: paging up 30 at a time to 50,000 would take
 * ~1,700 round trips, so the bench answers the first older-page request
 * itself (page.route) with N − 30 messages it fetched from the real endpoint in
 * pages of 100. The client then holds exactly what scrolling back would have
 * given it; every *measured* older page is a real, unintercepted request.
 *
 * Each size's first older page is a warm-up and not counted: the 30-message
 * size is measured first, and its first page also paid for a cold page (JIT,
 * the server's first history queries), which flattered every ratio against it.
 *
 * Knobs: BENCH_THREAD_SIZES=30,5000,50000, BENCH_THREAD_KEYS=40 keystrokes per
 * size, BENCH_THREAD_PAGES=11 measured older pages per size, BENCH_THREAD_JUMPS=3,
 * BENCH_THREAD_JUMP_BACK=40000, CHROMIUM_PATH=/usr/bin/chromium.
 */
import fs from "node:fs";
import { chromium, type Browser, type Page } from "@playwright/test";
import { ADMIN, SEEDED } from "../tests/e2e/accounts";
import { startServer, tail, type OwnServer } from "../tests/e2e/server";
import { answerFirstOlderPageWith, seedChats, type SeededChat } from "../tests/e2e/thread-seed";
import { summarize, type Summary } from "./lib/stats";

export type ThreadSizeResult = { loaded: number; fillMs: number; keystroke: Summary; olderPage: Summary; domRows: number };
export type ThreadResult =
  | { skipped: string }
  | { sizes: ThreadSizeResult[]; jump: Summary; jumpBack: number; jumpRequests: string[]; chatSizes: number[] };

const CHROME_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const num = (name: string, dflt: number) => (process.env[name] ? Number(process.env[name]) : dflt);

export async function runThread(log: (s: string) => void): Promise<ThreadResult> {
  const executablePath = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
  if (!fs.existsSync(executablePath)) return { skipped: `no Chromium at ${executablePath}` };
  const sizes = (process.env.BENCH_THREAD_SIZES ?? "30,5000,50000").split(",").map(Number).filter((n) => n > 0);
  const keys = num("BENCH_THREAD_KEYS", 40);
  const pages = num("BENCH_THREAD_PAGES", 11);
  const jumps = num("BENCH_THREAD_JUMPS", 3);
  const jumpBack = num("BENCH_THREAD_JUMP_BACK", 40_000);
  const agent = SEEDED.agent;

  log(`thread: starting the app server (builds .next first if sources changed)…`);
  const server: OwnServer = await startServer({ name: "bench-thread", build: true, accounts: [agent], healthTimeoutMs: 15 * 60_000 });
  let browser: Browser | undefined;
  try {
    const stopped = await server.stop();
    if (stopped !== 0) throw new Error(`the server did not stop cleanly (${stopped})\n${tail(server.logFile)}`);
    // Each chat holds more than it will load (the warm-up page too), so an older page always exists to be measured.
    const chatSizes = sizes.map((n) => n + (pages + 3) * 30);
    const jumpSize = Math.max(jumpBack + 200, 1000);
    const t0 = performance.now();
    const seeded = await seedChats(server.database, [
      ...chatSizes.map((n) => ({ messages: n, assigneeEmail: agent.email, days: 30 })),
      { messages: jumpSize, assigneeEmail: agent.email, days: 30, replies: [{ back: jumpBack, body: "Quoting one from long ago" }] },
    ]);
    log(`thread: seeded ${[...chatSizes, jumpSize].join(" + ")} messages in ${Math.round(performance.now() - t0)} ms`);
    await server.start();

    browser = await chromium.launch({ executablePath, args: CHROME_ARGS });
    const context = await browser.newContext({ baseURL: server.baseURL, viewport: { width: 1440, height: 900 } });
    // tsx compiles the page.evaluate callbacks below with esbuild's keepNames, which calls a `__name` helper the page lacks.
    await context.addInitScript("window.__name = (f) => f;");
    const page = await context.newPage();
    await signIn(page, agent.email, agent.password);

    const results: ThreadSizeResult[] = [];
    for (const [i, n] of sizes.entries()) {
      const chat = seeded[i];
      await openInAgentConsole(page, chat);
      const fillMs = n > 30 ? await fillTo(page, chat, n) : 0;
      const keystroke = await typeAndTime(page, keys);
      const older = await olderPages(page, chat, n, pages);
      const domRows = await page.getByRole("list", { name: "Chat history" }).getByRole("listitem").count();
      results.push({ loaded: n, fillMs, keystroke, olderPage: older, domRows });
      log(
        `thread: ${n} loaded (${domRows} rows in the DOM): keystroke→paint p50 ${keystroke.p50.toFixed(1)} ms p90 ${keystroke.p90.toFixed(1)} ms; ` +
          `older page p50 ${older.p50.toFixed(1)} ms (max ${older.max.toFixed(1)})${fillMs ? `; filled in ${Math.round(fillMs)} ms` : ""}`,
      );
    }

    const jumpChat = seeded[sizes.length];
    const jumpTimes: number[] = [];
    let jumpRequests: string[] = [];
    // The same StaffChat in the admin console, opened by URL (the agent's inbox shows a bounded list).
    const admin = await (await browser.newContext({ baseURL: server.baseURL, viewport: { width: 1440, height: 900 } })).newPage();
    await admin.context().addInitScript("window.__name = (f) => f;");
    await signIn(admin, ADMIN.email, ADMIN.password, "/admin");
    for (let j = 0; j < jumps; j++) {
      await admin.goto(`/admin/chats/${jumpChat.conversationId}`);
      await admin.getByLabel("Message", { exact: true }).waitFor();
      await messageVisible(admin, jumpChat.bodies.at(-1)!);
      const page = admin;
      const asked: string[] = [];
      const onReq = (r: { url(): string }) => {
        if (r.url().includes("/messages?")) asked.push(new URL(r.url()).search.replace(/=.*/, ""));
      };
      page.on("request", onReq);
      const target = jumpChat.bodies[jumpChat.bodies.length - 1 - jumpBack];
      jumpTimes.push(await quoteJump(page, target));
      page.off("request", onReq);
      jumpRequests = asked;
    }
    const jump = summarize(jumpTimes);
    log(`thread: quote jump ${jumpBack} back: p50 ${jump.p50.toFixed(1)} ms (max ${jump.max.toFixed(1)}), requests ${jumpRequests.join(", ") || "none"}`);
    return { sizes: results, jump, jumpBack, jumpRequests, chatSizes: [...chatSizes, jumpSize] };
  } finally {
    await browser?.close().catch(() => {});
    await server.dispose();
  }
}

async function signIn(page: Page, email: string, password: string, home = "/agent") {
  await page.goto("/login");
  await page.getByLabel("Email or username").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((u) => u.pathname === home);
}

async function openInAgentConsole(page: Page, chat: SeededChat) {
  await page.goto("/agent");
  const row = page.getByRole("list", { name: "Chats" }).getByRole("button", { name: new RegExp(chat.visitorName) });
  await row.first().click();
  await page.getByRole("region", { name: "Conversation" }).getByRole("heading", { name: chat.visitorName }).waitFor();
  await page.getByLabel("Message", { exact: true }).waitFor();
  await page.getByText("Loading conversation…").waitFor({ state: "detached" });
  await messageVisible(page, chat.bodies.at(-1)!);
}

/** Wait (in the page) until a message with this exact text is in the DOM. */
async function messageVisible(page: Page, body: string) {
  await page.waitForFunction(
    (b) => [...document.querySelectorAll('ul[aria-label="Chat history"] li p')].some((p) => p.textContent === b),
    body,
    { timeout: 120_000 },
  );
}

/**
 * Bring the client to n loaded messages: the first older-page request is
 * answered with the n − 30 messages before the open page, fetched from the real
 * endpoint in pages of 100 (see the header).
 */
async function fillTo(page: Page, chat: SeededChat, n: number): Promise<number> {
  const t0 = performance.now();
  const handler = answerFirstOlderPageWith(n);
  let fulfilled!: () => void;
  const done = new Promise<void>((r) => (fulfilled = r));
  await page.route("**/messages?before=*", async (route) => {
    await handler(route);
    fulfilled();
  });
  await page.getByRole("button", { name: "Load older messages" }).click();
  await done;
  await page.unroute("**/messages?before=*");
  // Merged and rendered: the button is back (enabled) once the page is in the thread.
  await page.getByRole("button", { name: "Load older messages" }).and(page.locator(":enabled")).waitFor({ timeout: 120_000 });
  await page.waitForTimeout(1000);
  return performance.now() - t0;
}

/** Each keystroke: from keydown (capture phase) to the frame after the next paint. */
async function typeAndTime(page: Page, count: number): Promise<Summary> {
  const box = page.getByLabel("Message", { exact: true });
  await box.click();
  await box.fill("");
  await page.evaluate(() => {
    const w = window as unknown as { __lat: number[] };
    w.__lat = [];
    document.addEventListener(
      "keydown",
      () => {
        const t0 = performance.now();
        requestAnimationFrame(() => {
          const ch = new MessageChannel();
          ch.port1.onmessage = () => w.__lat.push(performance.now() - t0);
          ch.port2.postMessage(0);
        });
      },
      { capture: true },
    );
  });
  const text = "The quick brown fox jumps over the lazy dog, again and again.".slice(0, count);
  // A typist's pace: each key lands after the previous one painted.
  for (const ch of text) await page.keyboard.type(ch, { delay: 0 }).then(() => page.waitForTimeout(60));
  await page.waitForTimeout(200);
  const lat = await page.evaluate(() => (window as unknown as { __lat: number[] }).__lat);
  await box.fill("");
  return summarize(lat);
}

/** Click "Load older messages" (scrolled a little away from the top, as a reader would be) until the page's newest message is painted. */
async function olderPages(page: Page, chat: SeededChat, n: number, count: number): Promise<Summary> {
  const times: number[] = [];
  const warmup = 1;
  for (let k = 0; k < warmup + count; k++) {
    const loaded = n + k * 30;
    // The newest message of the page about to come: the one just before the oldest loaded.
    const expected = chat.bodies[chat.bodies.length - loaded - 1];
    const ms = await page.evaluate(async (b) => {
      const list = document.querySelector('ul[aria-label="Chat history"]')!;
      const scroller = list.closest(".overflow-y-auto") as HTMLElement;
      // Near the top but outside the prefetch zone, so only the click loads.
      scroller.scrollTop = 1500;
      await new Promise((r) => setTimeout(r, 300));
      const button = [...scroller.querySelectorAll("button")].find((x) => x.textContent === "Load older messages");
      if (!button) throw new Error("no Load older button");
      const has = () => [...list.querySelectorAll("li p")].some((p) => p.textContent === b);
      if (has()) throw new Error(`${b} is already loaded`);
      const t0 = performance.now();
      button.click();
      await new Promise<void>((resolve) => {
        const mo = new MutationObserver(() => {
          if (has()) {
            mo.disconnect();
            resolve();
          }
        });
        mo.observe(list, { subtree: true, childList: true, characterData: true });
      });
      await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
      return performance.now() - t0;
    }, expected);
    if (k >= warmup) times.push(ms);
    await page.waitForTimeout(300);
  }
  return summarize(times);
}

/** Click the newest message's quote and time until the quoted message is painted in the viewport. */
async function quoteJump(page: Page, target: string): Promise<number> {
  return page.evaluate(async (b) => {
    const list = document.querySelector('ul[aria-label="Chat history"]')!;
    const scroller = list.closest(".overflow-y-auto") as HTMLElement;
    const quote = [...list.querySelectorAll("button")].find((x) => x.getAttribute("aria-label") === `Go to quoted message: ${b}`);
    if (!quote) throw new Error("no quote button");
    const inView = () => {
      const p = [...list.querySelectorAll("li p")].find((x) => x.textContent === b);
      if (!p) return false;
      const r = p.getBoundingClientRect();
      const v = scroller.getBoundingClientRect();
      return r.top >= v.top && r.bottom <= v.bottom;
    };
    const t0 = performance.now();
    quote.click();
    for (;;) {
      await new Promise((r) => requestAnimationFrame(() => r(null)));
      if (inView()) break;
      if (performance.now() - t0 > 120_000) throw new Error("the quoted message never came into view");
    }
    await new Promise((r) => setTimeout(r, 0));
    return performance.now() - t0;
  }, target);
}

/** The markdown section for bench/RESULTS.md. */
export function threadMarkdown(r: ThreadResult): string {
  if ("skipped" in r) return `### Thread in the browser\n\nskipped: ${r.skipped}\n`;
  const base = r.sizes[0];
  const x = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : "n/a");
  const lines = [
    "### Thread in the browser (Chromium, agent console, 1440×900)",
    "",
    "| loaded messages | DOM rows | keystroke→paint p50 / p90 | vs 30 (p50) | next older page p50 / max | vs 30 (p50) |",
    "|---:|---:|---:|---:|---:|---:|",
    ...r.sizes.map(
      (s) =>
        `| ${s.loaded.toLocaleString("en")} | ${s.domRows} | ${s.keystroke.p50.toFixed(1)} / ${s.keystroke.p90.toFixed(1)} ms | ${x(s.keystroke.p50, base.keystroke.p50)} | ` +
        `${s.olderPage.p50.toFixed(1)} / ${s.olderPage.max.toFixed(1)} ms | ${x(s.olderPage.p50, base.olderPage.p50)} |`,
    ),
    "",
    `Quote jump to a message ${r.jumpBack.toLocaleString("en")} back (admin console, fresh open, 30 loaded): p50 ${r.jump.p50.toFixed(1)} ms, max ${r.jump.max.toFixed(1)} ms over ${r.jump.n} jumps; ` +
      `requests: ${r.jumpRequests.join(", ") || "none"}.`,
  ];
  return lines.join("\n") + "\n";
}
