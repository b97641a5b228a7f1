import { describe, expect, it } from "vitest";
import { embedCodes, projectPageUrl } from "../embed-code";

describe("embedCodes", () => {
  it("builds every code from the given APP_URL, with the project's slug and position", () => {
    const codes = embedCodes({ appUrl: "https://chat.example.com/", slug: "acme", widgetPosition: "left" });
    expect(codes.map((c) => c.kind)).toEqual(["widget", "trigger", "popup", "leadForm"]);
    const byKind = Object.fromEntries(codes.map((c) => [c.kind, c.code]));
    expect(byKind.widget).toBe('<script async\n  src="https://chat.example.com/widget/widget.js"\n  data-project="acme"\n  data-position="left"></script>');
    expect(byKind.trigger).toBe('<a href="#" data-cp-open>Chat with us</a>');
    expect(byKind.popup).toContain('data-mode="popup"');
    expect(byKind.leadForm).toBe('<script src="https://chat.example.com/widget/lead-form.js"\n  data-project="acme"></script>');
    expect(projectPageUrl("https://chat.example.com", "acme")).toBe("https://chat.example.com/p/acme");
  });

  it("escapes what it puts in attributes (a slug is validated, but the generator doesn't rely on it)", () => {
    const [widget] = embedCodes({ appUrl: "https://x.test", slug: 'a"><script>', widgetPosition: "right" });
    expect(widget.code).toContain('data-project="a&quot;>&lt;script>"');
  });
});
