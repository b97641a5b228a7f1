import { describe, expect, it } from "vitest";
import { initials } from "../AccountLink";
import { signInThenBackTo } from "../paths";

describe("the header's account link", () => {
  it("shows first and last initials, upper-cased", () => {
    expect(initials("Maya Twofactor")).toBe("MT");
    expect(initials("  ana maría de la cruz ")).toBe("AC");
    expect(initials("Administrator")).toBe("A");
    expect(initials("Łukasz Żółw")).toBe("ŁŻ");
  });

  it("never renders an empty avatar", () => {
    expect(initials("   ")).toBe("?");
  });
});

describe("signInThenBackTo", () => {
  it("encodes the return path as one query value", () => {
    expect(signInThenBackTo("/account/security")).toBe("/login?next=%2Faccount%2Fsecurity");
  });
});
