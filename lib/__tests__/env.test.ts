import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "../env";

const dirs: string[] = [];
function tempDir() {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "occ-env-"));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const SECRET = "s".repeat(32);

function refusal(source: Record<string, string | undefined>): EnvError {
  try {
    parseEnv(source);
  } catch (err) {
    expect(err).toBeInstanceOf(EnvError);
    return err as EnvError;
  }
  throw new Error("parseEnv accepted the configuration");
}

describe("parseEnv in production", () => {
  const base = () => ({ NODE_ENV: "production", DATA_DIR: tempDir(), SESSION_SECRET: SECRET, ADMIN_PASSWORD: "violet-canoe-orbit-42" });

  it("accepts a complete configuration", () => {
    const env = parseEnv(base());
    expect(env.production).toBe(true);
    expect(env.sessionSecret).toBe(SECRET);
    expect(env.adminPassword).toBe("violet-canoe-orbit-42");
    expect(env.adminPasswordGenerated).toBe(false);
  });

  it.each([
    ["missing", undefined],
    ["empty", ""],
    ["31 characters", "x".repeat(31)],
  ])("refuses a SESSION_SECRET that is %s, with a one-line reason", (_label, secret) => {
    const source = { ...base(), SESSION_SECRET: secret };
    if (secret === undefined) delete source.SESSION_SECRET;
    const err = refusal(source);
    expect(err.message).toMatch(/SESSION_SECRET/);
    expect(err.message).toMatch(/32/);
    expect(err.message).not.toContain("\n");
  });

  it("does not generate a secret file in production", () => {
    const src = base();
    delete (src as Record<string, unknown>).SESSION_SECRET;
    refusal(src);
    expect(fs.existsSync(path.join(src.DATA_DIR, "session-secret"))).toBe(false);
  });

  it.each([
    ["missing", undefined],
    ["empty", ""],
    ["the demo default", "admin123"],
    ["a single letter", "x"],
    ["a common password with a capital and digits", "Admin123"],
    ["long but common", "password1234"],
    ["made of the admin's own email", "admin@example.com"],
  ])("refuses an ADMIN_PASSWORD that is %s, with a one-line reason", (_label, pw) => {
    const source = { ...base(), ADMIN_PASSWORD: pw };
    if (pw === undefined) delete source.ADMIN_PASSWORD;
    const err = refusal(source);
    expect(err.message).toMatch(/ADMIN_PASSWORD/);
    expect(err.message).not.toContain("\n");
  });
});

describe("parseEnv outside production", () => {
  it("generates a session secret once, keeps it in DATA_DIR and reuses it", () => {
    const dir = tempDir();
    const first = parseEnv({ NODE_ENV: "development", DATA_DIR: dir });
    expect(first.production).toBe(false);
    expect(first.sessionSecret.length).toBeGreaterThanOrEqual(32);
    const file = path.join(dir, "session-secret");
    expect(fs.readFileSync(file, "utf8").trim()).toBe(first.sessionSecret);
    // Owner-only: it signs every session.
    expect(fs.statSync(file).mode & 0o077).toBe(0);
    const second = parseEnv({ NODE_ENV: "development", DATA_DIR: dir });
    expect(second.sessionSecret).toBe(first.sessionSecret);
  });

  it("creates a DATA_DIR that does not exist yet", () => {
    const dir = path.join(tempDir(), "nested", "data");
    const env = parseEnv({ DATA_DIR: dir });
    expect(env.dataDir).toBe(dir);
    expect(fs.existsSync(path.join(dir, "session-secret"))).toBe(true);
  });

  it("different data dirs get different secrets", () => {
    const a = parseEnv({ DATA_DIR: tempDir() });
    const b = parseEnv({ DATA_DIR: tempDir() });
    expect(a.sessionSecret).not.toBe(b.sessionSecret);
  });

  it("uses a configured secret as given and writes nothing", () => {
    const dir = tempDir();
    const env = parseEnv({ DATA_DIR: dir, SESSION_SECRET: SECRET });
    expect(env.sessionSecret).toBe(SECRET);
    expect(fs.existsSync(path.join(dir, "session-secret"))).toBe(false);
  });

  it("generates an admin password when none is set, and flags it as generated", () => {
    const env = parseEnv({ DATA_DIR: tempDir() });
    expect(env.adminPassword).toBeTruthy();
    expect(env.adminPassword!.length).toBeGreaterThanOrEqual(8);
    expect(env.adminPassword).not.toBe("admin123");
    expect(env.adminPasswordGenerated).toBe(true);
    const other = parseEnv({ DATA_DIR: tempDir() });
    expect(other.adminPassword).not.toBe(env.adminPassword);
  });

  it("keeps a configured admin password", () => {
    const env = parseEnv({ DATA_DIR: tempDir(), ADMIN_PASSWORD: "hunter22" });
    expect(env.adminPassword).toBe("hunter22");
    expect(env.adminPasswordGenerated).toBe(false);
  });

  it("normalises the admin email and the app url; secure cookies follow https", () => {
    const env = parseEnv({ DATA_DIR: tempDir(), ADMIN_EMAIL: "Boss@Example.COM", APP_URL: "https://chat.example.com/" });
    expect(env.adminEmail).toBe("boss@example.com");
    expect(env.appUrl).toBe("https://chat.example.com");
    expect(env.secureCookies).toBe(true);
    expect(parseEnv({ DATA_DIR: tempDir(), APP_URL: "http://localhost:3000" }).secureCookies).toBe(false);
  });

  it("derives APP_URL's origin (the only one staff may come from), and refuses a non-http(s) APP_URL", () => {
    expect(parseEnv({ DATA_DIR: tempDir(), APP_URL: "https://Chat.Example.com:443/base/" }).appOrigin).toBe("https://chat.example.com");
    expect(parseEnv({ DATA_DIR: tempDir(), APP_URL: "http://localhost:3000" }).appOrigin).toBe("http://localhost:3000");
    expect(parseEnv({ DATA_DIR: tempDir() }).appOrigin).toBeUndefined();
    expect(parseEnv({ DATA_DIR: tempDir(), APP_URL: "" }).appOrigin).toBeUndefined();
    for (const bad of ["ftp://chat.example.com", "chat.example.com", "javascript:alert(1)"]) {
      expect(refusal({ DATA_DIR: tempDir(), APP_URL: bad }).message).toMatch(/APP_URL/);
    }
  });

  it("rejects malformed values with a one-line reason", () => {
    for (const bad of [{ PORT: "http" }, { DATABASE_URL: "mysql://x" }, { REDIS_URL: "http://x" }, { ADMIN_EMAIL: "nope" }]) {
      const err = refusal({ DATA_DIR: tempDir(), ...bad });
      expect(err.message).toMatch(/^Invalid configuration: /);
      expect(err.message).toContain(Object.keys(bad)[0]);
      expect(err.message).not.toContain("\n");
    }
  });

  it("treats an empty DATABASE_URL as unset (PGlite)", () => {
    expect(parseEnv({ DATA_DIR: tempDir(), DATABASE_URL: "" }).databaseUrl).toBeUndefined();
    expect(parseEnv({ DATA_DIR: tempDir(), DATABASE_URL: "postgres://u@h/db" }).databaseUrl).toBe("postgres://u@h/db");
  });
});

describe("TRUST_PROXY", () => {
  const trust = (v: string | undefined) => parseEnv({ DATA_DIR: tempDir(), SESSION_SECRET: SECRET, TRUST_PROXY: v }).trustProxy;

  it("trusts nothing by default", () => {
    expect(trust(undefined)).toEqual({ hops: 0, addresses: [] });
    expect(trust("")).toEqual({ hops: 0, addresses: [] });
    expect(trust("false")).toEqual({ hops: 0, addresses: [] });
    expect(trust("0")).toEqual({ hops: 0, addresses: [] });
  });

  it("reads a hop count", () => {
    expect(trust("1")).toEqual({ hops: 1, addresses: [] });
    expect(trust("2")).toEqual({ hops: 2, addresses: [] });
    expect(trust(" 3 ")).toEqual({ hops: 3, addresses: [] });
    expect(trust("true")).toEqual({ hops: 1, addresses: [] });
  });

  it("reads a list of addresses and CIDRs", () => {
    expect(trust("10.0.0.1")).toEqual({ hops: 0, addresses: ["10.0.0.1"] });
    expect(trust("10.0.0.0/8, 192.168.1.5 ,::1,fd00::/8")).toEqual({
      hops: 0,
      addresses: ["10.0.0.0/8", "192.168.1.5", "::1", "fd00::/8"],
    });
  });

  it.each(["loadbalancer", "10.0.0.1, proxy.internal", "yes", "-1", "1.5", "cafe", "10.0.0.256", "10.0.0.0/33", "10.0.0/8", "::1/129", "10.0.0.0/8/8"])("refuses %j with a one-line reason", (v) => {
    const err = refusal({ DATA_DIR: tempDir(), SESSION_SECRET: SECRET, TRUST_PROXY: v });
    expect(err.message).toMatch(/TRUST_PROXY/);
    expect(err.message).not.toContain("\n");
  });
});
