import { describe, expect, it } from "vitest";
import { checkEmail, checkName, countryFromLanguages, countryOptions, languagesFromHeader, normalizePhone, validateContact } from "../contact";

describe("phone normalisation (E.164, per-country lengths)", () => {
  it("normalises an international number", () => {
    expect(normalizePhone("+44 20 7946 0958", null)).toEqual({ ok: true, e164: "+442079460958", country: "GB" });
    expect(normalizePhone("0044 20 7946 0958", "US")).toMatchObject({ ok: true, e164: "+442079460958" });
  });

  it("normalises a national number with the picked country", () => {
    expect(normalizePhone("020 7946 0958", "GB")).toMatchObject({ ok: true, e164: "+442079460958" });
    expect(normalizePhone("98765 43210", "IN")).toMatchObject({ ok: true, e164: "+919876543210" });
    expect(normalizePhone("(202) 555-0143", "US")).toMatchObject({ ok: true, e164: "+12025550143" });
  });

  it("refuses a too-short Indian number", () => {
    const r = normalizePhone("98765", "IN");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/too short/i);
    expect(normalizePhone("98765 4321", "IN").ok).toBe(false);
    expect(normalizePhone("+91 98765 4321", null).ok).toBe(false);
  });

  it("refuses too long, letters, empty, and a national number with no country", () => {
    expect(normalizePhone("98765 43210 999", "IN")).toMatchObject({ ok: false });
    expect(normalizePhone("call me", "IN")).toMatchObject({ ok: false });
    expect(normalizePhone("  ", "IN")).toMatchObject({ ok: false });
    expect(normalizePhone("9876543210", null)).toMatchObject({ ok: false });
  });
});

describe("name and email", () => {
  it("name is required and capped", () => {
    expect(checkName("  ")).not.toBeNull();
    expect(checkName("Asha")).toBeNull();
    expect(checkName("a".repeat(101))).not.toBeNull();
  });

  it("email must look like an address", () => {
    expect(checkEmail("asha@example.com")).toBeNull();
    expect(checkEmail(" asha@example.co.in ")).toBeNull();
    for (const bad of ["", "asha", "asha@", "asha@example", "a b@example.com", "@example.com"]) expect(checkEmail(bad)).not.toBeNull();
  });

  it("validateContact reports each bad field", () => {
    expect(validateContact({ name: "", phone: "1", email: "x", country: "US" })).toEqual({
      name: expect.any(String),
      phone: expect.any(String),
      email: expect.any(String),
    });
    expect(validateContact({ name: "Asha", phone: "98765 43210", email: "asha@example.com", country: "IN" })).toEqual({});
  });
});

describe("country picker", () => {
  it("lists every country with its calling code", () => {
    const list = countryOptions();
    expect(list.length).toBeGreaterThan(200);
    expect(list.find((c) => c.code === "IN")).toEqual({ code: "IN", name: "India", dial: "+91" });
    expect(list.find((c) => c.code === "GB")?.dial).toBe("+44");
  });

  it("defaults from the browser's language/region", () => {
    expect(countryFromLanguages(["en-GB", "en"])).toBe("GB");
    expect(countryFromLanguages(["hi-IN"])).toBe("IN");
    expect(countryFromLanguages(["de"])).toBe("DE");
    expect(countryFromLanguages(["zz-??", null])).toBeNull();
    expect(languagesFromHeader("en;q=0.5, pt-BR, fr;q=0.8")).toEqual(["pt-BR", "fr", "en"]);
  });
});
