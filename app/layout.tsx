import type { Metadata, Viewport } from "next";
import { pageTags } from "@/lib/marketing/page-tags";
import "./globals.css";

export const metadata: Metadata = { title: "OnlineChatCRM" };
export const viewport: Viewport = { width: "device-width", initialScale: 1 };

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  // Marketing → Tags, where they run for this page (visitor pages; staff pages when switched on).
  const tags = await pageTags();
  return (
    <html lang="en">
      {tags ? <head>{tags.head}</head> : null}
      <body className="min-h-dvh">
        {tags?.body}
        {children}
      </body>
    </html>
  );
}
