/**
 * The landing page's whole stylesheet, inlined into its HTML: one request
 * fewer before the first paint, and ~2 KB instead of the app's full Tailwind
 * build. Font stack, colours (Tailwind's slate/red scale) and sizes match the
 * chat page (app/p/[slug]/chat), which uses Tailwind classes, so starting the
 * chat doesn't visibly change the page around it.
 */
export const LANDING_CSS = `
*,::before,::after{box-sizing:border-box;margin:0;padding:0;border:0 solid}
html{-webkit-text-size-adjust:100%;font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"Helvetica Neue","Noto Sans",Arial,sans-serif,"Apple Color Emoji","Segoe UI Emoji","Segoe UI Symbol","Noto Color Emoji";line-height:1.5;color:#0f172a;background:#f8fafc;-webkit-font-smoothing:antialiased}
body{min-height:100dvh}
button,input,select{font:inherit;color:inherit}
[hidden]{display:none!important}
.shell{margin:0 auto;display:flex;flex-direction:column;width:100%;max-width:32rem;min-height:100dvh;background:#fff}
.head{display:flex;align-items:center;gap:.75rem;padding:1rem 1.25rem}
.head img{width:40px;height:40px;flex-shrink:0;border-radius:9999px;object-fit:cover;background:rgb(255 255 255/.2)}
.head div{min-width:0}
.head h1{font-size:1.125rem;line-height:1.25;font-weight:600}
.head p{font-size:.875rem;line-height:1.25rem}
.head h1,.head p{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.welcome{padding:1.5rem 1.25rem .5rem}
.welcome h2{font-size:1.25rem;line-height:1.75rem;font-weight:600}
.welcome p{margin-top:.25rem;white-space:pre-line;color:#475569}
.card-wrap{padding:1rem 1.25rem 2rem}
.card{border:1px solid #e2e8f0;border-radius:1rem;background:#f8fafc;padding:1rem}
.card h2{font-size:1rem;font-weight:600}
.card>p{margin-top:.25rem;font-size:.875rem;line-height:1.25rem;color:#475569}
form{margin-top:1rem;display:grid;gap:1rem}
label{display:block;margin-bottom:.25rem;font-size:.875rem;line-height:1.25rem;font-weight:500;color:#334155}
input,select{display:block;width:100%;border:1px solid #cbd5e1;border-radius:.5rem;background:#fff;padding:.625rem .75rem;font-size:1rem;line-height:1.5rem;color:#0f172a}
select{appearance:none;padding-right:2.25rem;text-overflow:ellipsis;background:#fff url("data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 20 20' fill='%2364748b'%3E%3Cpath d='M5.3 7.3a1 1 0 0 1 1.4 0L10 10.6l3.3-3.3a1 1 0 1 1 1.4 1.4l-4 4a1 1 0 0 1-1.4 0l-4-4a1 1 0 0 1 0-1.4z'/%3E%3C/svg%3E") no-repeat right .625rem center/1.25rem}
input:focus,select:focus{outline:none;border-color:#94a3b8;box-shadow:0 0 0 3px #e2e8f0}
input[aria-invalid=true]{border-color:#ef4444}
input[aria-invalid=true]:focus{box-shadow:0 0 0 3px #fecaca}
.phone{position:relative}
.dial{pointer-events:none;position:absolute;top:0;bottom:0;left:.75rem;display:flex;align-items:center;color:#64748b}
.err{margin-top:.25rem;font-size:.875rem;line-height:1.25rem;color:#b91c1c}
.form-err{border-radius:.5rem;background:#fef2f2;padding:.5rem .75rem;font-size:.875rem;line-height:1.25rem;color:#991b1b}
.start{display:flex;width:100%;align-items:center;justify-content:center;border-radius:.5rem;padding:.75rem 1rem;font-size:1rem;font-weight:600;cursor:pointer;box-shadow:0 1px 2px rgb(0 0 0/.05)}
.start:hover{filter:brightness(.95)}
.start:focus-visible{outline:2px solid #0f172a;outline-offset:2px}
.start:disabled{opacity:.7;cursor:default}
.spin{display:inline-block;width:1rem;height:1rem;margin-right:.5rem;border:2px solid currentColor;border-top-color:transparent;border-radius:9999px;animation:spin 1s linear infinite}
@keyframes spin{to{transform:rotate(360deg)}}
.status{flex:1;display:flex;align-items:center;justify-content:center;padding:2rem;color:#475569}
@media (min-width:640px){
.shell{margin:1.5rem auto;min-height:0;border-radius:1rem;overflow:hidden;box-shadow:0 10px 15px -3px rgb(0 0 0/.1),0 4px 6px -4px rgb(0 0 0/.1)}
.card{padding:1.25rem}
}
`
  .replace(/\n/g, "")
  .trim();
