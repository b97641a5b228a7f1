/** The back office's reading of the conversions outbox: the delivery log. */
export { listConversionEvents, ListConversionEventsInput } from "./list-conversion-events";
