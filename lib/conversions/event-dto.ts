import type { conversionEvents } from "../../db/schema";
import type { ConversionEventDTO } from "./types";

type Row = typeof conversionEvents.$inferSelect;

/** An outbox row as the delivery log shows it: never its payload (hashed contact data stays in the database). */
export function toEventDTO(r: Row): ConversionEventDTO {
  return {
    id: Number(r.id),
    eventId: r.eventId,
    platform: r.platform,
    projectId: r.projectId,
    leadId: r.leadId,
    stage: r.stage,
    eventName: r.eventName,
    status: r.status,
    test: r.test,
    attempts: r.attempts,
    lastError: r.lastError,
    responseCode: r.responseCode,
    occurredAt: r.occurredAt.toISOString(),
    nextAttemptAt: r.nextAttemptAt.toISOString(),
    sentAt: r.sentAt ? r.sentAt.toISOString() : null,
    createdAt: r.createdAt.toISOString(),
  };
}
