import { describe, expect, it } from "vitest";
import { currencyOptions, formatDealValue, parseDealValue } from "../deal-value";

describe("parseDealValue", () => {
  it.each([
    ["", null],
    ["  ", null],
    ["1250", 1250],
    ["1,250.50", 1250.5],
    ["1.250,50", 1250.5],
    ["1 250,50", 1250.5],
    ["1\u202f250,50", 1250.5],
    ["1'250.50", 1250.5],
    ["1,250", 1250],
    ["1.250", 1250],
    ["1,250,000", 1250000],
    ["1.250.000", 1250000],
    ["12,5", 12.5],
    ["12.50", 12.5],
    ["0.99", 0.99],
    ["0", 0],
  ])("reads %j as %j", (text, value) => {
    expect(parseDealValue(text, "USD")).toEqual({ ok: true, value });
  });

  it.each(["abc", "12a", "-5", "1.2.3,4,5", "1,", ".5", "1e5", "1,250.50.1"])("refuses %j", (text) => {
    expect(parseDealValue(text, "USD").ok).toBe(false);
  });

  it("follows the currency's decimals", () => {
    expect(parseDealValue("12.345", "USD")).toEqual({ ok: true, value: 12345 }); // three digits after one mark: grouping
    expect(parseDealValue("12.3456", "USD")).toEqual({ ok: false, error: "Use at most 2 decimal places for USD." });
    expect(parseDealValue("1250.5", "JPY")).toEqual({ ok: false, error: "JPY amounts have no decimals." });
    // KWD has three, but a lead keeps cents.
    expect(parseDealValue("1,250.125", "KWD")).toEqual({ ok: false, error: "Use at most 2 decimal places for KWD." });
    expect(parseDealValue("1,250.12", "KWD")).toEqual({ ok: true, value: 1250.12 });
  });

  it("refuses amounts no deal has", () => {
    expect(parseDealValue("1000000000000", "USD").ok).toBe(false);
  });
});

describe("formatDealValue / currencyOptions", () => {
  it("shows how the amount is read, with the currency's decimals", () => {
    expect(formatDealValue(1250.5, "USD", "en-US")).toBe("1,250.50 USD");
    expect(formatDealValue(1250, "JPY", "en-US")).toBe("1,250 JPY");
  });

  it("lists ISO 4217 codes with their names", () => {
    const opts = currencyOptions("en");
    expect(opts.find((o) => o.code === "EUR")?.label).toBe("EUR — Euro");
    expect(opts.every((o) => /^[A-Z]{3}$/.test(o.code))).toBe(true);
  });
});
