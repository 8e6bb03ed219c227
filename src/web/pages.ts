import fs from 'node:fs';
import path from 'node:path';

/**
 * The dashboard's pages: one layout (head, skip link, site header and navigation) around each
 * page's own `<main>` (pages/<name>.html). A page names its title, the vendor scripts it needs and
 * its module; everything else in the head is the same on every page.
 */
const VENDOR = {
  chart: ['/app/vendor/chart.js/chart.umd.js'],
  map: ['/app/vendor/map/d3-array.min.js', '/app/vendor/map/d3-geo.min.js', '/app/vendor/map/topojson-client.min.js'],
} as const;

interface PageSpec {
  title: string;
  vendor: (keyof typeof VENDOR)[];
}

/** In navigation order; `index` is the brand link. */
export const PAGES: Record<string, PageSpec> = {
  index: { title: 'Dashboard', vendor: [] },
  drop: { title: 'Drop plan', vendor: ['chart', 'map'] },
  preview: { title: 'Regional preview', vendor: ['map'] },
  report: { title: 'Post-drop report', vendor: ['chart', 'map'] },
  partner: { title: 'Partner allocations', vendor: ['chart'] },
  estimate: { title: 'Delivery estimate', vendor: ['chart'] },
};

const SITE = 'Micro-fulfilment planner';

/** The whole document of one page around its `<main>` markup. */
export function renderPage(name: string, main: string): string {
  const page = PAGES[name];
  if (!page) throw new Error(`no dashboard page '${name}'`);
  const current = (link: string) => (link === name ? ' aria-current="page"' : '');
  const scripts = page.vendor.flatMap((v) => VENDOR[v]).map((src) => `    <script src="${src}" defer></script>\n`);
  const nav = Object.entries(PAGES)
    .filter(([link]) => link !== 'index')
    .map(
      ([link, spec]) =>
        `          <li><a href="/app/${link}.html" id="nav-${link}"${current(link)}>${spec.title}</a></li>\n`,
    );
  const body = main
    .trimEnd()
    .split('\n')
    .map((line) => (line ? `    ${line}` : line))
    .join('\n');
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${page.title} · ${SITE}</title>
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="/app/assets/app.css" />
${scripts.join('')}    <script type="module" src="/app/assets/${name}.js"></script>
  </head>
  <body>
    <a class="skip-link" href="#main">Skip to content</a>
    <header class="site-header">
      <a class="brand" href="/app/"${current('index')}>${SITE}</a>
      <nav aria-label="Pages">
        <ul>
${nav.join('')}        </ul>
      </nav>
    </header>
${body}
  </body>
</html>
`;
}

/** Every page rendered once from the files in `dir` (the service restarts when they change). */
export function loadPages(dir: string): Map<string, string> {
  return new Map(
    Object.keys(PAGES).map((name) => [name, renderPage(name, fs.readFileSync(path.join(dir, `${name}.html`), 'utf8'))]),
  );
}
