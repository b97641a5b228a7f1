import { afterEach, describe, expect, it } from "vitest";
import { readCookie, setCookie } from "../cookies";
import { setSingleton } from "../singleton";

/** getEnv() parses once per process; tests that change the environment start it over. */
const resetEnvForTests = () => setSingleton("env", undefined);

describe("cookies", () => {
  afterEach(() => {
    delete process.env.APP_URL;
    resetEnvForTests();
  });

  it("reads one cookie among many, decoded, and tolerates malformed values", () => {
    const header = "a=1; occ_session=Fe26.2%2A%2Aabc; empty=; weird=%E0%A4%A";
    expect(readCookie(header, "occ_session")).toBe("Fe26.2**abc");
    expect(readCookie(header, "a")).toBe("1");
    expect(readCookie(header, "empty")).toBe("");
    // A broken percent-escape comes back as it was, never as an exception.
    expect(readCookie(header, "weird")).toBe("%E0%A4%A");
    expect(readCookie(header, "missing")).toBeUndefined();
    expect(readCookie(undefined, "a")).toBeUndefined();
    expect(readCookie("", "a")).toBeUndefined();
  });

  it("sets our standing flags, Secure only when APP_URL is https", () => {
    process.env.APP_URL = "http://chat.example.test";
    resetEnvForTests();
    const plain = setCookie("n", "v a;l", { maxAge: 60 });
    expect(plain).toBe("n=v%20a%3Bl; Max-Age=60; Path=/; HttpOnly; SameSite=Lax");
    process.env.APP_URL = "https://chat.example.test";
    resetEnvForTests();
    expect(setCookie("n", "", { maxAge: 0, httpOnly: false })).toBe("n=; Max-Age=0; Path=/; Secure; SameSite=Lax");
  });
});
