/**
 * A small fake of Google's token endpoint and the Sheets API's values.get,
 * on 127.0.0.1, for the tests (vitest, the security suite, Playwright). It
 * checks what googleapis really sends: the JWT assertion's RS256 signature
 * against the test key's public half, and the bearer token on every read.
 */
import { createPublicKey, createVerify, generateKeyPairSync, randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

export type FakeFailure = { status: number; body?: unknown; headers?: Record<string, string> };
export type FakeRequest = { method: string; path: string; authorized: boolean };

type Sheet = { title: string; rows: string[][] };

const COL = (letters: string) => [...letters.toUpperCase()].reduce((n, ch) => n * 26 + ch.charCodeAt(0) - 64, 0) - 1;

export async function startFakeSheets() {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const verifyKey = createPublicKey(publicKey.export({ type: "spki", format: "pem" }));
  const sheets = new Map<string, Sheet>();
  const tokens = new Set<string>();
  const failures: FakeFailure[] = [];
  const tokenFailures: FakeFailure[] = [];
  const requests: FakeRequest[] = [];
  let tokenRequests = 0;

  const send = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(body));
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const body = Buffer.concat(chunks).toString("utf8");
      if (req.method === "POST" && url.pathname === "/token") {
        tokenRequests++;
        const fail = tokenFailures.shift();
        if (fail) return send(res, fail.status, fail.body ?? { error: "invalid_grant", error_description: "Invalid JWT Signature." }, fail.headers);
        const form = new URLSearchParams(body);
        const assertion = form.get("assertion") ?? "";
        const [h, p, sig] = assertion.split(".");
        const ok =
          form.get("grant_type") === "urn:ietf:params:oauth:grant-type:jwt-bearer" &&
          !!sig &&
          createVerify("RSA-SHA256").update(`${h}.${p}`).verify(verifyKey, Buffer.from(sig, "base64url"));
        if (!ok) return send(res, 400, { error: "invalid_grant", error_description: "Invalid JWT Signature." });
        const token = `fake-${randomBytes(8).toString("hex")}`;
        tokens.add(token);
        return send(res, 200, { access_token: token, expires_in: 3600, token_type: "Bearer" });
      }
      const m = /^\/v4\/spreadsheets\/([^/]+)\/values\/(.+)$/.exec(url.pathname);
      const authorized = tokens.has((req.headers.authorization ?? "").replace(/^Bearer /, ""));
      requests.push({ method: req.method ?? "", path: url.pathname, authorized });
      if (req.method !== "GET" || !m) return send(res, 404, { error: { code: 404, message: "Not found", status: "NOT_FOUND" } });
      if (!authorized) return send(res, 401, { error: { code: 401, message: "Request had invalid authentication credentials.", status: "UNAUTHENTICATED" } });
      const fail = failures.shift();
      if (fail) return send(res, fail.status, fail.body ?? { error: { code: fail.status, message: `Fake failure ${fail.status}` } }, fail.headers);
      const sheet = sheets.get(decodeURIComponent(m[1]));
      if (!sheet) return send(res, 404, { error: { code: 404, message: "Requested entity was not found.", status: "NOT_FOUND" } });
      const range = decodeURIComponent(m[2]);
      const r = /^(?:'?([^'!]+)'?!)?([A-Z]+)(\d+)?(?::([A-Z]+)(\d+)?)?$/i.exec(range);
      if (!r || (r[1] && r[1] !== sheet.title)) return send(res, 400, { error: { code: 400, message: `Unable to parse range: ${range}`, status: "INVALID_ARGUMENT" } });
      const c1 = COL(r[2]);
      const c2 = COL(r[4] ?? r[2]);
      const start = Number(r[3] ?? 1);
      const end = r[5] ? Number(r[5]) : sheet.rows.length;
      const values = sheet.rows.slice(start - 1, end).map((row) => {
        const cells = row.slice(c1, c2 + 1);
        while (cells.length && cells[cells.length - 1] === "") cells.pop();
        return cells;
      });
      while (values.length && values[values.length - 1].length === 0) values.pop();
      return send(res, 200, { range: `${sheet.title}!${r[2].toUpperCase()}${start}:${(r[4] ?? r[2]).toUpperCase()}${Math.max(start, start + values.length - 1)}`, majorDimension: "ROWS", values });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  // A test process ends when its tests do, whether or not it closed this.
  server.unref();
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    /**
     * A service-account key file. Its token_uri names an address nothing
     * answers (the metadata service's): the server must exchange tokens at
     * GOOGLE_TOKEN_URL (this fake's /token in tests), never where a pasted
     * key says, so every test using this key proves it.
     */
    keyJson(email = "sheets-reader@fake-project.iam.gserviceaccount.com") {
      return JSON.stringify({
        type: "service_account",
        project_id: "fake-project",
        private_key_id: "0123abcd",
        private_key: pem,
        client_email: email,
        client_id: "1234567890",
        auth_uri: `${url}/auth`,
        token_uri: "http://169.254.169.254/computeMetadata/v1/token",
      });
    },
    /** Put a spreadsheet's rows (the first is the header row) on a tab titled `title`. */
    setSheet(id: string, rows: string[][], title = "Sheet1") {
      sheets.set(id, { title, rows: rows.map((r) => [...r]) });
    },
    /** The next reads fail with these answers, one each, in order. */
    failNext(...f: FakeFailure[]) {
      failures.push(...f);
    },
    failNextToken(...f: FakeFailure[]) {
      tokenFailures.push(...f);
    },
    requests,
    get tokenRequests() {
      return tokenRequests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type FakeSheets = Awaited<ReturnType<typeof startFakeSheets>>;
