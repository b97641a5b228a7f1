import { randomUUID } from "node:crypto";
import { z } from "zod";
import { conversionEvents } from "../../db/schema";
import { audit } from "../audit";
import { assertCan } from "../auth/permissions";
import { withTransaction, type StaffCtx } from "../ctx";
import { AppError } from "../errors";
import { DbId } from "../validation";
import { noEffects, type VerbResult } from "../verb";
import { findConversionConfig, GA4_EVENT_NAMES, metaEventNames } from "./config";
import { sha256Hex } from "./lead-event";
import { toEventDTO } from "./event-dto";
import type { ConversionPayload } from "./outbox";
import type { ConversionEventDTO } from "./types";

export const SendTestConversionInput = z.object({ projectId: DbId, platform: z.enum(["meta", "ga4"], { error: "Platform must be meta or ga4." }) }).strict();

/** Sample data only: hashes of example.com addresses and a reserved phone number, never a real lead's. */
function samplePayload(now: Date): ConversionPayload {
  return {
    em: sha256Hex("test@example.com"),
    ph: sha256Hex("15555550100"),
    fbp: `fb.1.${now.getTime()}.1234567890`,
    fbc: null,
    fbclid: null,
    capturedAtMs: null,
    ip: "203.0.113.10",
    userAgent: "Mozilla/5.0 (OnlineChatCRM test event)",
    landingUrl: null,
    gaClientId: `1234567890.${Math.floor(now.getTime() / 1000)}`,
    gaSessionId: null,
    utm: { source: "test", medium: "test", campaign: "conversions-test", term: null, content: null },
    gclid: null,
    value: 1,
    currency: "USD",
    leadSource: "chat",
    leadId: null,
  };
}

/**
 * Queue a test event for one platform of a project (`marketing.conversions`):
 * the "send test event" button. The same worker delivers it — Meta with the
 * project's test event code (so it shows in Events Manager's Test Events and
 * nowhere else), GA4 to the Measurement Protocol's validation server (which
 * records nothing and answers what it would reject). The platform must be
 * set up; Meta also needs the test event code. Sample data only.
 */
export async function sendTestConversion({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<VerbResult<ConversionEventDTO>> {
  assertCan(ctx.actor, "marketing.conversions");
  const data = SendTestConversionInput.parse(input);
  return withTransaction(ctx, async (tx) => {
    const config = await findConversionConfig(tx.db, data.projectId);
    let eventName: string;
    if (data.platform === "meta") {
      if (!config?.metaPixelId || !config.metaAccessTokenSealed) throw new AppError("bad_request", "Save the Pixel ID and access token first.");
      if (!config.metaTestEventCode) {
        throw new AppError("bad_request", "Add a test event code first (Events Manager → Test events), so the test doesn't count as a real conversion.", {
          details: { fields: { "meta.testEventCode": "Needed to send a test event." } },
        });
      }
      eventName = metaEventNames(config).qualified ?? "Lead";
    } else {
      if (!config?.ga4MeasurementId || !config.ga4ApiSecretSealed) throw new AppError("bad_request", "Save the measurement ID and API secret first.");
      eventName = GA4_EVENT_NAMES.qualified!;
    }
    const [row] = await tx.db
      .insert(conversionEvents)
      .values({
        eventId: randomUUID(),
        platform: data.platform,
        projectId: data.projectId,
        leadId: null,
        stage: "qualified",
        eventName,
        payload: samplePayload(ctx.now),
        test: true,
        occurredAt: ctx.now,
        nextAttemptAt: ctx.now,
        createdAt: ctx.now,
        updatedAt: ctx.now,
      })
      .returning();
    await audit(tx, "conversions.test_event", { type: "project", id: data.projectId }, { platform: data.platform, eventId: row.eventId });
    return { result: toEventDTO(row), effects: noEffects() };
  });
}
