export * from "./projects";
export * from "./users";
export * from "./visitors";
export * from "./conversations";
export * from "./routing";
export * from "./security";
export * from "./crm";
export * from "./settings";
