import { expect, test } from "./helpers";
import {
  adminPage,
  expectThreadReady,
  messageItem,
  messageList,
  newVisitor,
  openChatAsAdmin,
  sendText,
  startChat,
  startOwnServer,
  tail,
  tick,
  visitorContext,
} from "./chat-helpers";

/**
 * A server restart mid-chat loses nothing. This stops and starts a server of
 * its own (same port, same database, same secret) so the shared one keeps
 * serving the other specs.
 */
test("a server restart mid-chat: both sides reconnect by themselves and no message is lost or doubled", async ({ browser }) => {
  test.setTimeout(300_000);
  const server = await startOwnServer();
  try {
    const v = newVisitor("Rita");
    const vp = await (await visitorContext(browser, server.baseURL)).newPage();
    await startChat(vp, v);
    await sendText(vp, "before the restart: visitor 1");
    const ap = await adminPage(browser, server.baseURL);
    await openChatAsAdmin(ap, v.name);
    await sendText(ap, "before the restart: admin 1");
    await expect(messageItem(vp, "before the restart: admin 1")).toBeVisible();
    await sendText(vp, "before the restart: visitor 2");
    await expect(messageItem(ap, "before the restart: visitor 2")).toBeVisible();
    await expect(tick(messageItem(vp, "before the restart: visitor 2"), "Read")).toBeVisible();
    await expect(tick(messageItem(ap, "before the restart: admin 1"), "Read")).toBeVisible();

    // SIGTERM: the server closes every socket with 1012 and exits cleanly.
    expect(await server.stop(), tail(server.logFile)).toBe(0);
    await expect(vp.getByRole("status").filter({ hasText: "Reconnecting…" })).toBeVisible();
    await expect(ap.getByRole("status").filter({ hasText: "Reconnecting…" })).toBeVisible();

    // The visitor keeps writing while the server is down: the message waits, marked as sending.
    await vp.getByLabel("Message", { exact: true }).pressSequentially("sent while the server was down", { delay: 10 });
    await vp.getByLabel("Message", { exact: true }).press("Enter");
    const pending = messageItem(vp, "sent while the server was down");
    await expect(tick(pending, "Sending")).toBeVisible();

    await server.start();

    // Both sides come back on their own (jittered backoff, up to ~22 s per attempt).
    await expect(vp.getByText("Reconnecting…")).toHaveCount(0, { timeout: 90_000 });
    await expect(ap.getByText("Reconnecting…")).toHaveCount(0, { timeout: 90_000 });
    // The waiting message goes out, reaches the admin once, and is read there.
    await expect(messageItem(ap, "sent while the server was down")).toHaveCount(1, { timeout: 30_000 });
    await expect(tick(pending, "Read")).toBeVisible();

    const all = ["before the restart: visitor 1", "before the restart: admin 1", "before the restart: visitor 2", "sent while the server was down"];
    for (const page of [vp, ap]) {
      for (const body of all) await expect(messageItem(page, body)).toHaveCount(1);
      await expect(messageList(page).getByRole("listitem")).toHaveCount(all.length);
    }

    // What is stored agrees: fresh loads show each message exactly once, in order.
    for (const page of [vp, ap]) {
      await page.reload();
      await expectThreadReady(page);
      await expect(messageList(page).getByRole("listitem")).toHaveCount(all.length);
      const texts = await messageList(page).getByRole("listitem").allInnerTexts();
      all.forEach((body, i) => expect(texts[i]).toContain(body));
    }

    // And the conversation simply goes on.
    await sendText(ap, "after the restart: admin 2");
    await expect(messageItem(vp, "after the restart: admin 2")).toBeVisible();
    await expect(tick(messageItem(ap, "after the restart: admin 2"), "Read")).toBeVisible();
    await vp.context().close();
    await ap.context().close();
  } finally {
    await server.dispose();
  }
});

test("a message written during a long outage still goes out when the way back is slow", async ({ browser }) => {
  test.setTimeout(300_000);
  const server = await startOwnServer();
  try {
    const v = newVisitor("Sam");
    const vp = await (await visitorContext(browser, server.baseURL)).newPage();
    // The page's clock runs normally; the test can make it jump, like a phone waking up.
    await vp.clock.install();
    await startChat(vp, v);
    await sendText(vp, "hello before the outage");
    await expect(tick(messageItem(vp, "hello before the outage"), "Sent")).toBeVisible();

    expect(await server.stop(), tail(server.logFile)).toBe(0);
    await expect(vp.getByRole("status").filter({ hasText: "Reconnecting…" })).toBeVisible();
    await sendText(vp, "written during a long outage");
    const pending = messageItem(vp, "written during a long outage");
    await expect(tick(pending, "Sending")).toBeVisible();
    // The outage outlasts the 10 s acknowledgement timeout; offline, the message just waits.
    await vp.clock.fastForward(15_000);
    await expect(tick(pending, "Sending")).toBeVisible();

    await server.start();
    // On the way back the network is slow: the answer to the rejoin takes 2 s (the outbox is checked every second).
    await vp.routeWebSocket(/\/ws\?/, (ws) => {
      const upstream = ws.connectToServer();
      upstream.onMessage((m) => {
        if (typeof m === "string" && m.includes('"type":"joined"')) setTimeout(() => ws.send(m), 2_000);
        else ws.send(m);
      });
    });
    // Skip the rest of the reconnect backoff.
    await vp.clock.fastForward(30_000);

    await expect(vp.getByText("Reconnecting…")).toHaveCount(0, { timeout: 90_000 });
    // The rejoin's answer is held 2 s, then the outbox's next 1 s check sends it: on a loaded machine
    // (the whole suite on 2 cores) that has taken longer than the default 5 s once.
    await expect(tick(pending, "Sent")).toBeVisible({ timeout: 15_000 });
    await expect(pending.getByText("Not sent")).toHaveCount(0);

    // Stored exactly once.
    await vp.unrouteAll();
    await vp.reload();
    await expectThreadReady(vp);
    await expect(messageItem(vp, "written during a long outage")).toHaveCount(1);
    await expect(messageList(vp).getByRole("listitem")).toHaveCount(2);
    await vp.context().close();
  } finally {
    await server.dispose();
  }
});
