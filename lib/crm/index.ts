export { listLeads, exportLeadsCsv, ListLeadsInput, LeadFiltersInput } from "./list-leads";
export { getLead } from "./get-lead";
export { updateLead, UpdateLeadInput } from "./update-lead";
export { setLeadStageOfLead, SetLeadStageOfLeadInput } from "./set-lead-stage-of-lead";
export { addLeadNote, AddLeadNoteInput } from "./add-lead-note";
export { followUpsDue } from "./follow-ups";
export { getLeadOrThrow, leadScopeSql } from "./lead-access";
