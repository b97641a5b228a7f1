/**
 * Staff-facing security administration: strike thresholds, the allow-list,
 * manual IP blocks. A folder of its own because these verbs check
 * lib/auth/permissions, while lib/auth (sign-in) calls lib/security: the
 * mechanism stays below auth, its administration sits above it.
 */
export { blockAddress, BlockAddressInput, blockPermission, type BlockResult } from "./block-address";
export { getSecuritySettings, type SecurityPageSettings } from "./get-security-settings";
export { listBlocks, ListBlocksInput, type BlockRowDTO } from "./list-blocks";
export { listStrikes, ListStrikesInput, type StrikeGroupDTO, type StrikesPage } from "./list-strikes";
export { unblockAddress, UnblockAddressInput } from "./unblock-address";
export { updateAllowList, UpdateAllowListInput } from "./update-allow-list";
export { updateStrikeSettings, UpdateStrikeSettingsInput } from "./update-strike-settings";
export { updateRateLimits, UpdateRateLimitsInput } from "./update-rate-limits";
