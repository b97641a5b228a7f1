import { afterEach, describe, expect, it } from "vitest";
import { assertSameOrigin, readJson } from "../http";
import { setSingleton } from "../singleton";

process.env.SESSION_SECRET ??= "http-test-secret-http-test-secret-0123456789";

const req = (init: RequestInit & { headers?: Record<string, string> }) =>
  new Request("http://chat.client.test/api/x", { method: "POST", ...init, headers: { host: "chat.client.test", ...init.headers } });

describe("assertSameOrigin (CSRF)", () => {
  it("lets our own pages and non-browser clients through", () => {
    expect(() => assertSameOrigin(req({ headers: { origin: "http://chat.client.test", "sec-fetch-site": "same-origin" } }))).not.toThrow();
    expect(() => assertSameOrigin(req({}))).not.toThrow();
    expect(() => assertSameOrigin(new Request("http://chat.client.test/x", { headers: { "sec-fetch-site": "cross-site" } }))).not.toThrow();
  });

  it("refuses a sibling subdomain (same-site, so SameSite=Lax lets the cookie through) and foreign origins", () => {
    expect(() => assertSameOrigin(req({ headers: { "sec-fetch-site": "same-site", origin: "https://www.client.test" } }))).toThrow(
      expect.objectContaining({ code: "forbidden" }),
    );
    expect(() => assertSameOrigin(req({ headers: { origin: "https://evil.test" } }))).toThrow(expect.objectContaining({ code: "forbidden" }));
  });
});

describe("assertSameOrigin with APP_URL set", () => {
  const refused = expect.objectContaining({ code: "forbidden" });
  const withAppUrl = (url: string) => {
    process.env.APP_URL = url;
    setSingleton("env", undefined);
  };
  afterEach(() => {
    delete process.env.APP_URL;
    setSingleton("env", undefined);
  });

  it("accepts APP_URL's origin only: the Host header vouches for nothing", () => {
    withAppUrl("https://chat.example.com");
    expect(() => assertSameOrigin(req({ headers: { origin: "https://chat.example.com" } }))).not.toThrow();
    // A DNS-rebinding page: the browser sends the attacker's name as Host and Origin alike.
    expect(() => assertSameOrigin(req({ headers: { host: "evil.test", origin: "http://evil.test" } }))).toThrow(refused);
    expect(() => assertSameOrigin(req({ headers: { origin: "http://chat.client.test" } }))).toThrow(refused);
    expect(() => assertSameOrigin(req({ headers: { origin: "http://chat.example.com" } }))).toThrow(refused);
  });

  it("refuses non-canonical spellings of our own origin", () => {
    withAppUrl("https://chat.example.com");
    // (Surrounding whitespace never reaches us: HTTP strips it from header values.)
    for (const origin of ["https://chat.example.com/", "https://CHAT.example.com", "https://chat.example.com:443", "https:\\\\chat.example.com", "https://chat.example.com.", ""]) {
      expect(() => assertSameOrigin(req({ headers: { origin } })), JSON.stringify(origin)).toThrow(refused);
    }
  });
});

describe("readJson", () => {
  it("parses JSON, and refuses forms, oversized and malformed bodies with 4xx codes", async () => {
    expect(await readJson(req({ body: '{"a":1}', headers: { "content-type": "application/json" } }))).toEqual({ a: 1 });
    await expect(readJson(req({ body: '{"a":1}', headers: { "content-type": "text/plain" } }))).rejects.toMatchObject({ code: "unsupported_media_type" });
    await expect(readJson(req({ body: "x".repeat(70_000), headers: { "content-type": "application/json" } }))).rejects.toMatchObject({ code: "payload_too_large" });
    await expect(readJson(req({ body: "{nope", headers: { "content-type": "application/json" } }))).rejects.toMatchObject({ code: "bad_request" });
    // A chunked body that declares no length is still capped while it streams.
    const stream = new ReadableStream({
      start(c) {
        for (let i = 0; i < 100; i++) c.enqueue(new TextEncoder().encode("x".repeat(1024)));
        c.close();
      },
    });
    await expect(
      readJson(new Request("http://chat.client.test/x", { method: "POST", body: stream, headers: { "content-type": "application/json" }, duplex: "half" } as RequestInit)),
    ).rejects.toMatchObject({ code: "payload_too_large" });
  });
});
