import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import * as loginRoute from "../../app/api/auth/login/route";
import { blockedIps, strikes } from "../../db/schema";
import { getEnv } from "../../lib/env";
import { CLIENT_IP_HEADER } from "../../lib/security/client-ip";
import { frontDoor } from "../../lib/security/front-door";
import { isIpBlocked, listActiveBlocks, refreshIpBlocks, unblockIp } from "../../lib/security/ip-blocks";
import { ROOT } from "./app-tree";
import { createWorld, openSuite, routeContext, type Suite, type World } from "./helpers";

/**
 * Forged X-Forwarded-For, end to end: real TCP connections from distinct
 * loopback addresses, through server.ts's first two steps (client IP from
 * trusted hops only, then the block check, then our own client-IP header
 * for the route), into the real sign-in route, counting real strikes. How
 * the address is picked from a chain is unit-tested in
 * lib/security/__tests__/client-ip.test.ts; this proves that what a client
 * writes in the header never moves a strike off its real address.
 */

let s: Suite;
let w: World;
let server: http.Server;
let port: number;

/** server.ts's front door (lib/security/front-door.ts, the same function), then the real sign-in route. */
function pipeline(req: http.IncomingMessage, res: http.ServerResponse) {
  if (frontDoor(req, { db: s.db, trustProxy: getEnv().trustProxy }) === null) {
    res.writeHead(403, { "Content-Length": "0", Connection: "close" });
    res.end();
    return;
  }
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", async () => {
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(", ") : v);
    const out = await loginRoute.POST(
      new Request(`http://${req.headers.host}${req.url}`, { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined }),
      routeContext(),
    );
    res.writeHead(out.status, { "Content-Type": out.headers.get("content-type") ?? "text/plain" });
    res.end(Buffer.from(await out.arrayBuffer()));
  });
}

beforeAll(async () => {
  s = await openSuite();
  w = await createWorld(s.db);
  server = http.createServer(pipeline);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  await s?.close();
});
beforeEach(async () => {
  await s.db.delete(strikes);
  for (const b of await listActiveBlocks(s.db)) await unblockIp(s.db, b.id);
  await refreshIpBlocks(s.db);
});

/** A sign-in over a real connection from the loopback address `from`, with the headers a client chose. */
let spray = 0;
/** Wrong guesses go to ever other logins (a spray): the address's rule is tested, not one account's slowdown. */
function signIn(from: string, headers: Record<string, string>, password = "wrong password"): Promise<number> {
  const right = password === "right";
  const body = JSON.stringify({ login: right ? w.staff.admin.email : `spray-${++spray}@example.test`, password: right ? w.password : password });
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        localAddress: from,
        method: "POST",
        path: "/api/auth/login",
        agent: false,
        headers: { host: "chat.example.test", "content-type": "application/json", "content-length": Buffer.byteLength(body), ...headers },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode!));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const strikeSubjects = async () => (await s.db.select({ ip: strikes.ip }).from(strikes).where(eq(strikes.rule, "login"))).map((r) => r.ip).sort();
const blockedAddresses = async () => (await s.db.select({ a: blockedIps.address }).from(blockedIps)).map((r) => r.a).sort();

describe("TRUST_PROXY unset", () => {
  beforeAll(() => s.setEnv({}));

  it("a forged X-Forwarded-For (or our own client-IP header) is ignored: the socket address takes the strikes and the block", async () => {
    const forged = (i: number) => ({ "x-forwarded-for": `203.0.113.${i}`, [CLIENT_IP_HEADER]: "203.0.113.200" });
    expect(await signIn("127.0.0.5", forged(1))).toBe(401);
    expect(await strikeSubjects()).toEqual(["127.0.0.5"]);

    for (let i = 2; i <= 4; i++) expect(await signIn("127.0.0.5", forged(i))).toBe(401);
    // The 5th failure in 10 minutes blocks: the real address, whatever the header said.
    expect(await signIn("127.0.0.5", forged(5))).toBe(403);
    expect(await blockedAddresses()).toEqual(["127.0.0.5"]);

    // Blocked before routing, even with the right password and yet another forged address.
    expect(await signIn("127.0.0.5", forged(6), "right")).toBe(403);
    // Nobody else was blocked: not the forged addresses, not a neighbour.
    expect(await signIn("127.0.0.8", { "x-forwarded-for": "127.0.0.5" }, "right")).toBe(200);
  });
});

describe("TRUST_PROXY=1 (one proxy in front)", () => {
  beforeAll(() => s.setEnv({ TRUST_PROXY: "1" }));
  // 127.0.0.6 is the proxy: it appends the address it saw to whatever the client sent.
  const viaProxy = (chain: string) => ({ "x-forwarded-for": chain });

  it("only the hop the proxy appended counts: left-most entries the client wrote are ignored", async () => {
    for (let i = 1; i <= 4; i++) expect(await signIn("127.0.0.6", viaProxy(`198.51.100.${i}, 192.0.2.44`))).toBe(401);
    expect(await strikeSubjects()).toEqual(["192.0.2.44", "192.0.2.44", "192.0.2.44", "192.0.2.44"]);
    expect(await signIn("127.0.0.6", viaProxy("198.51.100.5, 192.0.2.44"))).toBe(403);
    // The real client is blocked; the proxy and the forged addresses are not.
    expect(await blockedAddresses()).toEqual(["192.0.2.44"]);
    expect(isIpBlocked("127.0.0.6")).toBe(false);

    expect(await signIn("127.0.0.6", viaProxy("192.0.2.44"), "right")).toBe(403);
    // Another client claiming to be the blocked one is itself, not blocked.
    expect(await signIn("127.0.0.6", viaProxy("192.0.2.44, 192.0.2.45"), "right")).toBe(200);
  });
});

describe("TRUST_PROXY=<the proxy's address>", () => {
  beforeAll(() => s.setEnv({ TRUST_PROXY: "127.0.0.6" }));

  it("X-Forwarded-For counts only from the listed proxy; from anyone else the socket address does", async () => {
    expect(await signIn("127.0.0.6", { "x-forwarded-for": "198.51.100.7, 192.0.2.60" })).toBe(401);
    expect(await signIn("127.0.0.9", { "x-forwarded-for": "192.0.2.61" })).toBe(401);
    expect(await strikeSubjects()).toEqual(["127.0.0.9", "192.0.2.60"]);
  });
});

describe("server.ts", () => {
  it("runs the front door first, for requests and for upgrades", () => {
    const src = fs.readFileSync(path.join(ROOT, "server.ts"), "utf8");
    const request = src.indexOf("http.createServer((req, res) => {");
    const upgrade = src.indexOf('server.on("upgrade", (req, socket, head) => {');
    const calls = [...src.matchAll(/frontDoor\.frontDoor\(req, frontDoorOptions\)/g)].map((m) => m.index!);
    expect(calls).toHaveLength(2);
    // Each handler's first statement: between the handler's opening line and the call, only comments.
    const codeLines = (from: number, to: number) => src.slice(from, to).split("\n").slice(1, -1).filter((l) => l.trim() && !l.trim().startsWith("//"));
    expect(codeLines(request, calls[0])).toEqual([]);
    expect(codeLines(upgrade, calls[1])).toEqual([]);
  });
});
