/**
 * Projects: one install, many brands. Each has a slug (/p/{slug}), branding,
 * allowed embed origins, AI instructions and a widget position; exactly one
 * is the default. Administered with `projects.edit` (admins only).
 */
export { cloneProject, CloneProjectInput } from "./clone-project";
export { createProject, CreateProjectInput } from "./create-project";
export { getProject, toProjectDTO, type ProjectDTO } from "./get-project";
export { readProjectIcon, removeProjectIcon, uploadProjectIcon, MAX_ICON_BYTES } from "./icon";
export { listProjects, publicBaseUrl, type ProjectListPage, type ProjectRowDTO } from "./list-projects";
export { setDefaultProject, SetDefaultProjectInput } from "./set-default-project";
export { updateProject, UpdateProjectInput } from "./update-project";
