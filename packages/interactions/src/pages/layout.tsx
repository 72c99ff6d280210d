import type { ComponentChildren } from 'preact';
import { renderToStaticMarkup } from 'preact-render-to-string';

// One small stylesheet inline: the pages need no asset route, and nothing here depends on JavaScript.
// Colours keep a contrast ratio of at least 4.5:1 (WCAG AA); focus stays visible for keyboard users.
const STYLES = `
*,*::before,*::after{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1f2328;background:#f3f4f6}
header{background:#1e3a5f;color:#fff;padding:.75rem 1.5rem;font-weight:600}
main{max-width:30rem;margin:2.5rem auto;padding:2rem;background:#fff;border:1px solid #d0d7de;border-radius:8px}
h1{font-size:1.5rem;margin:0 0 1rem}
h2{font-size:1.1rem;margin:1.5rem 0 .5rem}
p{margin:.5rem 0 1rem}
label{display:block;font-weight:600;margin:1rem 0 .25rem}
input[type=text],input[type=password]{width:100%;padding:.6rem .7rem;font:inherit;border:1px solid #6e7781;border-radius:6px}
input:focus-visible,button:focus-visible,a:focus-visible{outline:3px solid #0969da;outline-offset:2px}
.actions{display:flex;gap:.75rem;margin-top:1.5rem;flex-wrap:wrap}
button{font:inherit;font-weight:600;padding:.6rem 1.2rem;border-radius:6px;border:1px solid #1f2328;cursor:pointer}
button.primary{background:#0b5cad;border-color:#0b5cad;color:#fff}
button.secondary{background:#fff;color:#1f2328}
.error{border:1px solid #cf222e;background:#ffebe9;color:#82071e;padding:.75rem 1rem;border-radius:6px}
fieldset{border:1px solid #d0d7de;border-radius:6px;margin:1rem 0;padding:.5rem 1rem}
legend{font-weight:600;padding:0 .25rem}
.scope{display:flex;gap:.6rem;align-items:flex-start;margin:.6rem 0;font-weight:400}
.scope input{margin-top:.3rem}
.scope small{display:block;color:#57606a}
.remember{display:flex;gap:.6rem;align-items:center;font-weight:400}
.muted{color:#57606a}
.frontchannel{position:absolute;width:0;height:0;border:0}
.user-code{font:600 1.75rem/1.2 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;letter-spacing:.15em;text-align:center;margin:1rem 0}
`;

/** Props every page gets. */
export interface LayoutProps {
  /** The document title, after the product name. */
  title: string;
  /** Shown in the header. */
  productName: string;
  children: ComponentChildren;
}

/** The HTML document around every page: language, viewport, one landmark per region. */
export function Layout({ title, productName, children }: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>{`${title} – ${productName}`}</title>
        <style dangerouslySetInnerHTML={{ __html: STYLES }} />
      </head>
      <body>
        <header>{productName}</header>
        <main>{children}</main>
      </body>
    </html>
  );
}

/** A page as an HTML document. preact escapes every text and attribute value, so no input can become markup. */
export function renderPage(page: preact.VNode): string {
  return `<!DOCTYPE html>${renderToStaticMarkup(page)}`;
}
