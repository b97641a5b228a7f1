"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { Suspense, useId, useState } from "react";
import { DEFAULT_PAGE_SIZE } from "@/lib/console/table";
import type { ProjectListPage, ProjectRowDTO } from "@/lib/project-admin/list-projects";
import { ApiError, errorText } from "@/components/ui/api";
import { ConfirmDialog } from "@/components/ui/ConfirmDialog";
import { DataTable, type Column } from "@/components/ui/DataTable";
import { Dialog } from "@/components/ui/Dialog";
import { FormAlert, TextField } from "@/components/ui/Field";
import { Menu, type MenuItem } from "@/components/ui/Menu";
import { UrlPaginationBar, urlPageSize } from "@/components/ui/Pagination";
import { SearchBox } from "@/components/ui/SearchBox";
import { ui } from "@/components/ui/styles";
import { useToast } from "@/components/ui/Toast";
import { useServerPage } from "@/components/ui/useServerPage";
import { useUrlQuery } from "@/components/ui/useUrlQuery";
import { projectsApi } from "./api";

type Pending = { kind: "clone"; row: ProjectRowDTO } | { kind: "default"; row: ProjectRowDTO } | null;

/** The admin console's Projects section (app/admin/projects): every project, with create, edit, clone and "make default". */
export function ProjectsPage({ basePath }: { basePath: string }) {
  return (
    <Suspense fallback={<p className="text-sm text-slate-500">Loading projects…</p>}>
      <ProjectsTable basePath={basePath} />
    </Suspense>
  );
}

function ProjectsTable({ basePath }: { basePath: string }) {
  const toast = useToast();
  const router = useRouter();
  const url = useUrlQuery();
  const limit = urlPageSize(url);
  const q = url.get("q");
  const page = useServerPage<ProjectListPage>(
    projectsApi.listUrl({ q, after: url.get("after"), before: url.get("before"), limit: limit === DEFAULT_PAGE_SIZE ? undefined : String(limit) }),
  );
  const data = page.data;
  const rows = data?.items ?? [];
  const [pending, setPending] = useState<Pending>(null);
  const close = () => setPending(null);

  const actions = (row: ProjectRowDTO): MenuItem[] => {
    const items: MenuItem[] = [
      { label: "Edit", onSelect: () => router.push(`${basePath}/${row.id}`) },
      { label: "Clone", onSelect: () => setPending({ kind: "clone", row }) },
    ];
    if (!row.isDefault) items.push({ label: "Make default", onSelect: () => setPending({ kind: "default", row }) });
    items.push({ label: "Open visitor page", onSelect: () => window.open(`/p/${encodeURIComponent(row.slug)}`, "_blank", "noopener") });
    return items;
  };

  const columns: Column<ProjectRowDTO>[] = [
    {
      key: "project",
      header: "Project",
      primary: true,
      cell: (r) => (
        <div className="flex min-w-0 items-center gap-3">
          {r.iconUrl ? (
            <img src={r.iconUrl} alt="" width={32} height={32} className="h-8 w-8 shrink-0 rounded-full object-cover" />
          ) : (
            <span aria-hidden="true" className="h-8 w-8 shrink-0 rounded-full" style={{ background: r.accentColor }} />
          )}
          <div className="min-w-0">
            <Link href={`${basePath}/${r.id}`} className="block truncate font-medium text-slate-900 hover:underline">
              {r.title}
            </Link>
            <p className="truncate text-xs text-slate-500">/p/{r.slug}</p>
          </div>
          {r.isDefault ? <span className="shrink-0 rounded bg-blue-50 px-1.5 py-0.5 text-xs font-medium text-blue-700">Default</span> : null}
        </div>
      ),
    },
    {
      key: "accent",
      header: "Accent",
      cell: (r) => (
        <span className="inline-flex items-center gap-1.5 font-mono text-xs text-slate-700">
          <span aria-hidden="true" className="h-3 w-3 rounded-sm border border-slate-200" style={{ background: r.accentColor }} />
          {r.accentColor}
        </span>
      ),
    },
    { key: "origins", header: "Embed origins", cell: (r) => <span className="text-xs text-slate-700 tabular-nums">{r.originCount === 0 ? "None" : r.originCount}</span> },
    { key: "position", header: "Widget", cell: (r) => <span className="text-xs text-slate-700">{r.widgetPosition === "left" ? "Bottom left" : "Bottom right"}</span> },
    { key: "actions", header: "Actions", srHeader: true, className: "text-right", cell: (r) => <Menu label={`Actions for ${r.title}`} items={actions(r)} /> },
  ];

  return (
    <section aria-labelledby="projects-title" className="space-y-3">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id="projects-title" className="text-base font-semibold">
          Projects
        </h2>
        <Link href={`${basePath}/new`} className={ui.button.primary}>
          New project
        </Link>
      </div>
      <SearchBox label="Search projects" value={q} placeholder="Title or slug" onSearch={(v) => url.set({ q: v }, { replace: true })} />
      <DataTable
        label="Projects"
        columns={columns}
        rows={rows}
        rowKey={(r) => r.id}
        state={{ status: page.status, error: page.error, onRetry: () => page.reload() }}
        empty={q ? "No projects match." : "No projects yet. Create one to get a visitor page and embed codes."}
        footer={
          data ? (
            <UrlPaginationBar url={url} page={data} count={rows.length} busy={page.status === "loading"} />
          ) : null
        }
      />

      {pending?.kind === "clone" ? (
        <CloneDialog
          row={pending.row}
          onClose={close}
          onCloned={(id, title) => {
            close();
            toast(`“${title}” was created from ${pending.row.title}.`);
            router.push(`${basePath}/${id}`);
          }}
        />
      ) : null}
      {pending?.kind === "default" ? (
        <ConfirmDialog
          open
          onClose={close}
          tone="primary"
          title={`Make ${pending.row.title} the default project?`}
          message="Widgets without data-project and visitors who open the site's home page get this project from now on."
          confirmLabel="Make default"
          onConfirm={async () => {
            await projectsApi.makeDefault(pending.row.id);
            toast(`${pending.row.title} is now the default project.`);
            page.reload({ quiet: true });
          }}
        />
      ) : null}
    </section>
  );
}

function CloneDialog({ row, onClose, onCloned }: { row: ProjectRowDTO; onClose: () => void; onCloned: (id: number, title: string) => void }) {
  const [slug, setSlug] = useState(`${row.slug}-copy`.slice(0, 40));
  const [title, setTitle] = useState(`${row.title} (copy)`.slice(0, 80));
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const formId = useId();
  return (
    <Dialog
      open
      onClose={onClose}
      title={`Clone ${row.title}`}
      description="Copies the branding, icon, allowed origins, AI instructions and widget position. Chats stay with the original."
      footer={
        <>
          <button type="button" className={ui.button.secondary} onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" form={formId} className={ui.button.primary} disabled={busy}>
            {busy ? "Cloning…" : "Clone project"}
          </button>
        </>
      }
    >
      <form
        id={formId}
        noValidate
        className="space-y-4"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setFields({});
          setError(null);
          try {
            const p = await projectsApi.clone(row.id, { slug, title });
            onCloned(p.id, p.title);
          } catch (err) {
            if (err instanceof ApiError) {
              setFields(err.fields);
              setError(Object.keys(err.fields).length ? null : err.message);
            } else setError(errorText(err));
            setBusy(false);
          }
        }}
      >
        {error ? <FormAlert>{error}</FormAlert> : null}
        <TextField label="New slug" value={slug} onChange={(e) => setSlug(e.target.value.toLowerCase())} error={fields.slug} maxLength={40} spellCheck={false} required />
        <TextField label="New title" value={title} onChange={(e) => setTitle(e.target.value)} error={fields.title} maxLength={80} required />
      </form>
    </Dialog>
  );
}
