export { listSheetSources, createSheetSource, updateSheetSource, deleteSheetSource, pollSheetSourceNow, MAX_SOURCES, INTERVAL, DEFAULT_RANGE, SHEET_FIELDS } from "./sources";
export type { SheetSourceDTO, SheetSourcesPage, SheetField } from "./sources";
export { getServiceAccount, setServiceAccountKey, clearServiceAccountKey } from "./service-account";
export type { ServiceAccountDTO } from "./service-account";
export { readSheetHeaders } from "./read-headers";
export { sheetSourceJobs, sweepSheetSources, pollSheetSource } from "./poller";
