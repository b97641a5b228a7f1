import { describe, expect, it } from "vitest";
import { hashedContact, normaliseEmail, normalisePhone, sha256Hex } from "../lead-event";

// Meta's published examples (Conversions API → Customer information parameters, `em` and `ph`):
//   email "John_Smith@gmail.com" → "john_smith@gmail.com" → 62a14e44…0f62f
//   phone "+1 (650) 555-1212"   → "16505551212"          → e323ec62…b3176
const META_EMAIL_HASH = "62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f";
const META_PHONE_HASH = "e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176";

describe("Meta normalisation and hashing", () => {
  it("matches Meta's email example", () => {
    expect(normaliseEmail("  John_Smith@gmail.com ")).toBe("john_smith@gmail.com");
    expect(sha256Hex("john_smith@gmail.com")).toBe(META_EMAIL_HASH);
    expect(hashedContact("John_Smith@gmail.com", null).em).toBe(META_EMAIL_HASH);
  });

  it("matches Meta's phone example: digits only, with the country code, no leading zeros", () => {
    expect(normalisePhone("+1 (650) 555-1212")).toBe("16505551212");
    expect(normalisePhone("001 650 555 1212")).toBe("16505551212");
    expect(hashedContact(null, "+16505551212").ph).toBe(META_PHONE_HASH);
  });

  it("has nothing to hash for a missing or blank value (never a hash of the empty string)", () => {
    expect(hashedContact("", "   ")).toEqual({ em: null, ph: null });
    expect(hashedContact(null, undefined)).toEqual({ em: null, ph: null });
    expect(normalisePhone("n/a")).toBeNull();
  });
});
