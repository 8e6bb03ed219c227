import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPages, PAGES } from '../../src/web/pages';

/** The dashboard's head and navigation come from one layout; each page file holds only its <main>. */
const pages = loadPages(path.resolve(import.meta.dirname, '../../src/web/pages'));

describe('dashboard page layout', () => {
  it.each(Object.keys(PAGES))('%s: one document with its title, its module and its own navigation mark', (name) => {
    const html = pages.get(name)!;
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html.match(/<head>/g)).toHaveLength(1);
    expect(html.match(/<main id="main"/g)).toHaveLength(1);
    expect(html).toContain(`<title>${PAGES[name]!.title} · Micro-fulfilment planner</title>`);
    expect(html).toContain(`<script type="module" src="/app/assets/${name}.js"></script>`);
    // exactly one link says it is the current page: the brand on the index, the page's own link elsewhere
    expect(html.match(/aria-current="page"/g)).toHaveLength(1);
    if (name === 'index') expect(html).toContain('<a class="brand" href="/app/" aria-current="page">');
    else expect(html).toContain(`<a href="/app/${name}.html" id="nav-${name}" aria-current="page">`);
  });

  it('loads the map libraries only on the pages with a map, and Chart.js only on those with charts', () => {
    const has = (name: string, file: string) => pages.get(name)!.includes(file);
    expect(['drop', 'preview', 'report'].every((n) => has(n, 'd3-geo.min.js'))).toBe(true);
    expect(['index', 'partner', 'estimate'].some((n) => has(n, 'd3-geo.min.js'))).toBe(false);
    expect(has('preview', 'chart.umd.js') || has('index', 'chart.umd.js')).toBe(false);
  });
});
