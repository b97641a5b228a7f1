/**
 * The contact-form rules, loaded by landing.ts on the visitor's first
 * interaction: libphonenumber's metadata is most of the page's script weight
 * and nothing needs it before someone types. The very same module the server
 * validates with, so both refuse exactly the same input.
 */
export { isCountryCode, validateContact } from "@/lib/chat/contact";
