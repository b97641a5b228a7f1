import { landingBundle } from "@/components/visitor/landing/bundle.server";

export const dynamic = "force-dynamic";

// GET /visitor-assets/[file] – the landing page's script and its lazy chunk (content-hashed names: cached for good)
export async function GET(req: Request, { params }: { params: Promise<{ file: string }> }) {
  const { file } = await params;
  const asset = (await landingBundle()).assets.get(file);
  if (!asset) return new Response("Not found", { status: 404 });
  const headers: Record<string, string> = {
    "Content-Type": "text/javascript; charset=utf-8",
    "Cache-Control": process.env.NODE_ENV === "production" ? "public, max-age=31536000, immutable" : "no-store",
    ETag: asset.etag,
  };
  if (req.headers.get("if-none-match") === asset.etag) return new Response(null, { status: 304, headers });
  // Next's own compression gzips the body on the way out.
  return new Response(new Uint8Array(asset.body), { headers });
}
