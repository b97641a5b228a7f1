import type { Browser, Page } from "@playwright/test";
import { expect, serverState, test } from "./helpers";
import {
  adminPage,
  bringToFront,
  chatLink,
  expectThreadReady,
  fillContactForm,
  messageItem,
  messageList,
  newVisitor,
  openChatAsAdmin,
  pngBuffer,
  sendText,
  startChat,
  startInBackground,
  tick,
  visitorContext,
  visitorSocket,
  visitorToken,
  type Visitor,
} from "./chat-helpers";

/**
 * The conversation core, as a visitor on a phone and an admin at a desk would
 * use it: contact form, attribution, live messages with ticks, typing, images,
 * replies that jump to the quoted message, safe rendering, closing and
 * resuming.
 */

/** A visitor who started a chat (and said something), and an admin with that chat open. */
async function chatPair(browser: Browser, opening = "Hello, is anyone there?", path = "/p/default", first = "Vera") {
  const v = newVisitor(first);
  const vp = await (await visitorContext(browser)).newPage();
  await startChat(vp, v, path);
  await sendText(vp, opening);
  const ap = await adminPage(browser);
  await openChatAsAdmin(ap, v.name);
  await expect(messageItem(ap, opening)).toBeVisible();
  return { v, vp, ap };
}

async function closeAll(...pages: Page[]) {
  for (const p of pages) await p.context().close();
}

function detailValue(page: Page, label: string) {
  return page.getByRole("group").filter({ hasText: "All attribution details" }).getByText(label, { exact: true }).locator("xpath=following-sibling::dd[1]");
}

test.describe("contact form", () => {
  test("empty fields, a phone invalid for the chosen country and a bad email are refused inline, and nothing is created", async ({ browser }) => {
    const vp = await (await visitorContext(browser)).newPage();
    const starts: string[] = [];
    vp.on("request", (r) => {
      if (r.url().includes("/api/visitor/conversations")) starts.push(r.method());
    });
    await vp.goto("/p/default");
    const name = vp.getByLabel("Name", { exact: true });
    const phone = vp.getByLabel("Phone", { exact: true });
    const email = vp.getByLabel("Email", { exact: true });
    const start = vp.getByRole("button", { name: "Start chat" });

    await start.click();
    await expect(name).toHaveAttribute("aria-invalid", "true");
    await expect(name).toHaveAccessibleDescription("Please enter your name.");
    await expect(phone).toHaveAccessibleDescription("Please enter your phone number.");
    await expect(email).toHaveAccessibleDescription("Please enter your email address.");
    await expect(vp.getByRole("alert").filter({ hasText: "Please enter your name." })).toBeVisible();
    await expect(name).toBeFocused();

    const v: Visitor = newVisitor("Fiona");
    await fillContactForm(vp, { name: v.name, country: "US", phone: "999 999 9999", email: "not-an-email" });
    await start.click();
    await expect(name).not.toHaveAttribute("aria-invalid", "true");
    await expect(phone).toHaveAccessibleDescription("Enter a valid phone number for United States (+1).");
    await expect(email).toHaveAccessibleDescription("Enter a valid email address, like name@example.com.");
    await expect(phone).toBeFocused();

    // The same digits judged by another country's rules.
    await vp.getByLabel("Country", { exact: true }).selectOption("GB");
    await phone.fill("12345");
    await expect(phone).toHaveAccessibleDescription("This number is too short for United Kingdom (+44).");
    await phone.fill("2015550123 ext");
    await expect(phone).toHaveAccessibleDescription("Use digits only, e.g. +1 202 555 0143.");
    await start.click();
    await expect(vp.locator("form").getByRole("alert")).toHaveCount(2);
    expect(starts).toEqual([]);

    // The server applies the same rules if the browser's check is bypassed.
    const direct = await vp.request.post("/api/visitor/conversations", {
      data: { slug: "default", name: v.name, country: "US", phone: "999 999 9999", email: "not-an-email" },
    });
    expect(direct.status()).toBe(400);
    const body = (await direct.json()) as { error: { fields: Record<string, string> } };
    expect(body.error.fields).toMatchObject({
      phone: "Enter a valid phone number for United States (+1).",
      email: "Enter a valid email address, like name@example.com.",
    });

    // Nothing reached the admin's list.
    const ap = await adminPage(browser);
    await ap.goto("/admin/chats");
    await expect(ap.getByRole("heading", { name: "Chats" })).toBeVisible();
    await expect(chatLink(ap, v.name)).toHaveCount(0);

    // Corrected, it starts exactly one chat.
    await fillContactForm(vp, { country: "US", phone: v.phone, email: v.email });
    await start.click();
    await expectThreadReady(vp);
    // A new, empty chat opens with the project's welcome.
    await expect(vp.getByText("Ask us anything — we usually reply in under a minute.")).toBeVisible();
    expect(starts).toEqual(["POST"]);
    await expect(chatLink(ap, v.name)).toHaveCount(1);
    await closeAll(vp, ap);
  });
});

test.describe("live chat", () => {
  test("a chat from an ad link reaches the admin with its attribution; ticks go Sent → Delivered → Read both ways", async ({ browser }) => {
    const v = newVisitor("Mia");
    const vp = await (await visitorContext(browser)).newPage();
    await startChat(vp, v, "/p/default?utm_source=meta&utm_campaign=q1&gclid=x");

    const ap = await adminPage(browser);
    await ap.goto("/admin/chats");
    await expect(chatLink(ap, v.name)).toBeVisible();

    // Nobody has the chat open: the visitor's message is stored (✓) and no more.
    await sendText(vp, "Hello, is anyone there?");
    const hello = messageItem(vp, "Hello, is anyone there?");
    await expect(tick(hello, "Sent")).toBeVisible();
    await expect(hello.getByText("✓", { exact: true })).toBeVisible();
    // The admin's list follows live.
    await expect(chatLink(ap, v.name)).toContainText("Hello, is anyone there?");

    // The admin opens it in a background tab: delivered (✓✓), not yet read.
    const bg = await ap.context().newPage();
    await startInBackground(bg);
    await openChatAsAdmin(bg, v.name);
    await expect(messageItem(bg, "Hello, is anyone there?")).toBeVisible();
    await expect(tick(hello, "Delivered")).toBeVisible();
    await expect(tick(hello, "Read")).toHaveCount(0);

    // Attribution from the landing URL.
    await bg.getByText("All attribution details", { exact: true }).click();
    await expect(detailValue(bg, "UTM source")).toHaveText("meta");
    await expect(detailValue(bg, "UTM campaign")).toHaveText("q1");
    await expect(detailValue(bg, "gclid")).toHaveText("x");

    // The tab comes to the front: read, and the tick turns green.
    await bringToFront(bg);
    await expect(tick(hello, "Read")).toBeVisible();
    await expect(tick(hello, "Read")).toHaveClass(/text-emerald-700/);
    await expect(tick(hello, "Delivered")).toHaveCount(0);

    // And back: the admin's reply, seen by the visitor on a focused page.
    await sendText(bg, "Hi! How can we help?");
    const reply = messageItem(vp, "Hi! How can we help?");
    await expect(reply).toBeVisible();
    await expect(reply).toContainText("Support team");
    await expect(tick(messageItem(bg, "Hi! How can we help?"), "Read")).toBeVisible();
    // Ticks belong to one's own messages only.
    await expect(reply.getByRole("img", { name: /^(Sent|Delivered|Read)$/ })).toHaveCount(0);

    await sendText(vp, "I'd like a quote");
    await expect(messageItem(bg, "I'd like a quote")).toBeVisible();
    await expect(messageItem(bg, "I'd like a quote")).toContainText(v.name);
    await expect(tick(messageItem(vp, "I'd like a quote"), "Read")).toBeVisible();
    await closeAll(vp, ap);
  });

  test("typing shows on the other side only, and clears when the message arrives", async ({ browser }) => {
    const { vp, ap } = await chatPair(browser);
    const visitorBox = vp.getByLabel("Message", { exact: true });
    const adminBox = ap.getByLabel("Message", { exact: true });

    await visitorBox.pressSequentially("I have a question about pricing", { delay: 20 });
    await expect(ap.getByRole("status").filter({ hasText: "Visitor is typing…" })).toBeVisible();
    await expect(vp.getByText("Support is typing…")).toHaveCount(0);
    await visitorBox.press("Enter");
    await expect(messageItem(ap, "I have a question about pricing")).toBeVisible();
    await expect(ap.getByText("Visitor is typing…")).toHaveCount(0);

    await adminBox.pressSequentially("Sure, let me check", { delay: 20 });
    await expect(vp.getByRole("status").filter({ hasText: "Support is typing…" })).toBeVisible();
    await expect(ap.getByText("Visitor is typing…")).toHaveCount(0);
    await adminBox.press("Enter");
    await expect(messageItem(vp, "Sure, let me check")).toBeVisible();
    await expect(vp.getByText("Support is typing…")).toHaveCount(0);

    // Leaving the box mid-sentence stops the pill too.
    await adminBox.pressSequentially("One mo", { delay: 20 });
    await expect(vp.getByText("Support is typing…")).toBeVisible();
    await adminBox.blur();
    await expect(vp.getByText("Support is typing…")).toHaveCount(0);
    await closeAll(vp, ap);
  });

  test("an image is previewed, sent, and shown on both sides as a real PNG; non-images are refused visibly", async ({ browser }) => {
    const { vp, ap } = await chatPair(browser, "I'll send a photo");
    const png = pngBuffer(12, 8);
    const attach = vp.getByLabel("Attach image");

    await attach.setInputFiles({ name: "photo.png", mimeType: "image/png", buffer: png });
    await expect(vp.getByRole("img", { name: "Image to send" })).toBeVisible();
    const adminFetch = ap.waitForResponse((r) => /\/api\/chat\/attachments\/\d+$/.test(new URL(r.url()).pathname) && r.request().method() === "GET");
    await vp.getByRole("button", { name: "Send" }).click();
    await expect(vp.getByRole("img", { name: "Image to send" })).toHaveCount(0);

    for (const page of [vp, ap]) {
      const img = messageList(page).getByRole("img", { name: "Image attachment" });
      await expect(img).toHaveCount(1);
      await expect(img).toBeVisible();
      await expect.poll(() => img.evaluate((el: HTMLImageElement) => (el.complete ? el.naturalWidth : 0))).toBe(12);
    }
    // The thread loads the WebP thumbnail; the full image (the viewer's) is the PNG, re-encoded server-side.
    const served = await adminFetch;
    expect(served.status()).toBe(200);
    expect(new URL(served.url()).searchParams.get("size")).toBe("thumb");
    expect(served.headers()["content-type"]).toBe("image/webp");
    // The visitor's copy comes from the same URL.
    const src = await messageList(vp).getByRole("img", { name: "Image attachment" }).getAttribute("src");
    expect(src).toBe(new URL(served.url()).pathname + new URL(served.url()).search);
    const own = await vp.request.get(src!.replace(/\?size=thumb$/, ""));
    expect(own.status()).toBe(200);
    expect(own.headers()["content-type"]).toBe("image/png");
    const stored = Buffer.from(await own.body());
    expect(stored.subarray(0, 8).equals(png.subarray(0, 8))).toBe(true);
    expect([stored.readUInt32BE(16), stored.readUInt32BE(20)]).toEqual([12, 8]);
    // Someone without the token or a session gets nothing, and so does another visitor.
    const stranger = await fetch(new URL(src!, serverState().baseURL));
    expect(stranger.status).toBe(404);
    const other = await visitorContext(browser);
    const o = newVisitor("Otto");
    const started = await other.request.post("/api/visitor/conversations", {
      data: { slug: "default", name: o.name, country: "US", phone: o.phone, email: o.email },
    });
    expect(started.status()).toBe(201);
    expect((await other.request.get(src!)).status()).toBe(404);
    const conversationId = Number(new URL(ap.url()).pathname.split("/").pop());
    expect((await other.request.get(`/api/chat/conversations/${conversationId}/messages`)).status()).toBe(404);
    await other.close();

    // An SVG never gets past the picker.
    await attach.setInputFiles({
      name: "drawing.svg",
      mimeType: "image/svg+xml",
      buffer: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="4" height="4"/></svg>'),
    });
    await expect(vp.getByRole("alert").filter({ hasText: "Only JPEG, PNG, WebP or GIF images." })).toBeVisible();
    await expect(vp.getByRole("img", { name: "Image to send" })).toHaveCount(0);

    // A text file named .png passes the picker; the server reads the bytes and refuses it.
    await attach.setInputFiles({ name: "notes.png", mimeType: "image/png", buffer: Buffer.from("just some text, not a picture\n") });
    await expect(vp.getByRole("img", { name: "Image to send" })).toBeVisible();
    const upload = vp.waitForResponse((r) => new URL(r.url()).pathname === "/api/chat/attachments" && r.request().method() === "POST");
    await vp.getByRole("button", { name: "Send" }).click();
    expect((await upload).status()).toBe(415);
    await expect(vp.getByRole("alert").filter({ hasText: "Only JPEG, PNG, WebP and GIF images are allowed." })).toBeVisible();
    await vp.getByRole("button", { name: "Remove image" }).click();
    await expect(vp.getByRole("img", { name: "Image to send" })).toHaveCount(0);

    // Still exactly one image in the chat, on both sides.
    await sendText(vp, "never mind");
    await expect(messageItem(ap, "never mind")).toBeVisible();
    await expect(messageList(ap).getByRole("img", { name: "Image attachment" })).toHaveCount(1);
    await expect(messageList(vp).getByRole("img", { name: "Image attachment" })).toHaveCount(1);
    await closeAll(vp, ap);
  });

  test("a reply to an early message, far back in history, jumps to it and highlights it; a reload resumes the chat", async ({ browser }) => {
    test.setTimeout(120_000);
    const ORIGINAL = "My order number is 4711 – can you check it?";
    const { vp, ap } = await chatPair(browser, ORIGINAL);

    // Forty more messages, quickly (the visitor's own socket, as a second tab would).
    const socket = await visitorSocket(serverState().baseURL, await visitorToken(vp));
    for (let i = 1; i <= 40; i++) await socket.say(`filler message ${i}`);
    socket.close();
    await expect(messageItem(ap, "filler message 40")).toBeVisible();
    await expect(messageItem(vp, "filler message 40")).toBeVisible();

    // A fresh view loads only the latest page: the original isn't there until the admin scrolls back.
    await ap.reload();
    await expectThreadReady(ap);
    await expect(messageItem(ap, "filler message 40")).toBeVisible();
    await expect(messageItem(ap, ORIGINAL)).toHaveCount(0);
    await ap.getByRole("button", { name: "Load older messages" }).click();
    const original = messageItem(ap, ORIGINAL);
    await expect(original).toBeVisible();
    await original.getByRole("button", { name: "Reply" }).click();
    await expect(ap.getByLabel("Replying to")).toContainText(ORIGINAL);
    await sendText(ap, "Order 4711 ships tomorrow.");
    await expect(ap.getByLabel("Replying to")).toHaveCount(0);

    // The visitor reloads: same chat, no form, only the latest page loaded.
    await vp.reload();
    await expectThreadReady(vp);
    await expect(vp.getByRole("button", { name: "Start chat" })).toHaveCount(0);
    const answer = messageItem(vp, "Order 4711 ships tomorrow.");
    await expect(answer).toBeVisible();
    await expect(messageItem(vp, ORIGINAL)).toHaveCount(0);

    await answer.getByRole("button", { name: `Go to quoted message: ${ORIGINAL}` }).click();
    const target = messageItem(vp, ORIGINAL);
    await expect(target).toBeInViewport();
    await expect(target.locator("[data-sender]")).toHaveClass(/ring-yellow-300/);
    // The highlight is brief.
    await expect(target.locator("[data-sender]")).not.toHaveClass(/ring-yellow-300/);
    // Every message is there exactly once after paging back.
    await expect(messageItem(vp, "filler message 1")).toHaveCount(1);
    await expect(messageItem(vp, "filler message 40")).toHaveCount(1);
    await closeAll(vp, ap);
  });

  test("message text is never markup: tags stay literal, only http(s) links become links", async ({ browser }) => {
    const { v, vp, ap } = await chatPair(browser, "Testing formatting", "/p/default", "<b>Eve</b>");
    const dialogs: string[] = [];
    for (const p of [vp, ap]) {
      p.on("dialog", (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
    }
    const XSS = "<img src=x onerror=alert(1)>";
    await sendText(vp, XSS);
    await sendText(vp, "Docs: https://example.com and javascript:alert(1)");
    await sendText(ap, "javascript:alert(document.cookie)");

    for (const page of [vp, ap]) {
      await expect(messageItem(page, XSS)).toBeVisible();
      await expect(messageList(page).locator("img")).toHaveCount(0);
      const item = messageList(page).getByRole("listitem").filter({ hasText: "Docs:" });
      const link = item.getByRole("link", { name: "https://example.com" });
      await expect(link).toHaveAttribute("href", "https://example.com/");
      await expect(link).toHaveAttribute("rel", /\bnoopener\b/);
      await expect(link).toHaveAttribute("rel", /\bnoreferrer\b/);
      await expect(link).toHaveAttribute("target", "_blank");
      await expect(item).toContainText("javascript:alert(1)");
      await expect(messageItem(page, "javascript:alert(document.cookie)")).toBeVisible();
      await expect(messageList(page).getByRole("link")).toHaveCount(1);
      await expect(messageList(page).locator('a[href^="javascript:" i]')).toHaveCount(0);
    }
    // The visitor's name is text too, in the admin's header and list.
    await expect(ap.getByRole("region", { name: "Conversation" }).getByRole("heading", { name: v.name })).toBeVisible();
    await expect(ap.locator("b")).toHaveCount(0);
    await ap.goto("/admin/chats");
    await expect(chatLink(ap, v.name)).toBeVisible();
    await expect(ap.locator("b")).toHaveCount(0);
    expect(dialogs).toEqual([]);
    await closeAll(vp, ap);
  });

  test("closing the chat ends it for the visitor; the visitor's next message starts a fresh chat", async ({ browser }) => {
    const { v, vp, ap } = await chatPair(browser, "Thanks for your help");
    const closedUrl = ap.url();

    await ap.getByRole("button", { name: "Close chat" }).click();
    // The chat modal asks first.
    await ap.getByRole("dialog", { name: "Close this chat?" }).getByRole("button", { name: "Close chat" }).click();
    await expect(vp.getByRole("status").filter({ hasText: "This chat has ended" })).toBeVisible();
    await expect(ap.getByLabel("Status")).toHaveText(/Closed/);
    await expect(ap.getByLabel("Message", { exact: true })).toHaveCount(0);
    await expect(ap.getByRole("button", { name: "Close chat" })).toHaveCount(0);

    await sendText(vp, "Actually, one more thing");
    const again = messageItem(vp, "Actually, one more thing");
    await expect(again).toBeVisible();
    await expect(again.getByRole("img", { name: /^(Sent|Delivered|Read)$/ })).toBeVisible();
    await expect(vp.getByText("This chat has ended")).toHaveCount(0);
    // The ended conversation stays visible above the new one.
    await expect(messageItem(vp, "Thanks for your help")).toBeVisible();
    await expect(vp.getByRole("separator", { name: "New conversation" })).toBeVisible();

    // Two chats for this visitor now; the new one has the message, the closed one doesn't.
    await ap.goto("/admin/chats");
    await expect(chatLink(ap, v.name)).toHaveCount(2);
    await chatLink(ap, v.name).filter({ hasText: "Actually, one more thing" }).click();
    await expect(ap).not.toHaveURL(closedUrl);
    await expectThreadReady(ap);
    await expect(messageItem(ap, "Actually, one more thing")).toHaveCount(1);
    await ap.goto(closedUrl);
    await expect(messageItem(ap, "Thanks for your help")).toBeVisible();
    await expect(messageItem(ap, "Actually, one more thing")).toHaveCount(0);

    // A reload resumes the new chat, not the ended one.
    await vp.reload();
    await expectThreadReady(vp);
    await expect(messageItem(vp, "Actually, one more thing")).toBeVisible();
    await expect(vp.getByText("This chat has ended")).toHaveCount(0);
    await expect(messageItem(vp, "Thanks for your help")).toBeVisible();
    await closeAll(vp, ap);
  });
});
