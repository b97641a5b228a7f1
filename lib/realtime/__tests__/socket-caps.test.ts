import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { recordFrames } from "../../../tests/ws-client";
import { Hub, type Identity } from "../hub";

/**
 * Per-address socket cap, handshake timeout and closing the sockets of an
 * address that gets blocked — on the real Hub and real sockets. The clients
 * claim their address with X-Client (the server's clientIp hook reads it),
 * as TRUST_PROXY would let a proxy do.
 */
let server: http.Server;
let hub: Hub;
let base: string;
const blocked = new Set<string>();
const open: WebSocket[] = [];

beforeAll(async () => {
  let visitor = 0;
  hub = new Hub({
    authenticate: async (_req, url): Promise<Identity | null> => {
      if (url.searchParams.has("hang")) return new Promise(() => {});
      return { kind: "visitor", visitorId: ++visitor, projectId: 1 };
    },
    dispatch: () => {},
    clientIp: (req) => String(req.headers["x-client"] ?? "127.0.0.1"),
    maxSocketsPerIp: 3,
    handshakeTimeoutMs: 200,
  });
  server = http.createServer((_q, r) => r.writeHead(404).end());
  server.on("upgrade", (req, socket, head) => void hub.handleUpgrade(req, socket, head));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws`;
});
afterAll(async () => {
  for (const ws of open) ws.terminate();
  await hub.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

function connect(ip: string, query = "") {
  const ws = new WebSocket(`${base}${query}`, { headers: { "x-client": ip } });
  open.push(ws);
  const rec = recordFrames(ws);
  return { ws, ...rec };
}
const status = (c: ReturnType<typeof connect>) => c.opened.then(() => 101, (e: { status?: number }) => e.status ?? 0);

describe("socket limits", () => {
  it("an address holds at most the cap of open sockets; another address is unaffected; a closed one frees a slot", async () => {
    const first = [connect("198.51.100.1"), connect("198.51.100.1"), connect("198.51.100.1")];
    expect(await Promise.all(first.map(status))).toEqual([101, 101, 101]);
    expect(await status(connect("198.51.100.1"))).toBe(429);
    // One /64 is one address for the cap.
    const v6 = [connect("2001:db8:9:9::1"), connect("2001:db8:9:9::2"), connect("2001:db8:9:9::3")];
    expect(await Promise.all(v6.map(status))).toEqual([101, 101, 101]);
    expect(await status(connect("2001:db8:9:9::4"))).toBe(429);
    expect(await status(connect("198.51.100.2"))).toBe(101);
    first[0].ws.close();
    await first[0].closed;
    await expect.poll(() => status(connect("198.51.100.1"))).toBe(101);
  });

  it("a handshake that doesn't authenticate in time is refused", async () => {
    expect(await status(connect("198.51.100.3", "?hang=1"))).toBe(401);
  });

  it("sockets of an address that becomes blocked close at once, others stay", async () => {
    const bad = connect("198.51.100.9");
    const good = connect("198.51.100.10");
    await Promise.all([bad.opened, good.opened]);
    blocked.add("198.51.100.9");
    hub.closeBlocked((ip) => blocked.has(ip));
    expect((await bad.closed).code).toBe(1008);
    expect(good.ws.readyState).toBe(WebSocket.OPEN);
  });
});
