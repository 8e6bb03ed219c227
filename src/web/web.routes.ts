import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { loadPages } from './pages';

const WEB_DIR = path.dirname(fileURLToPath(import.meta.url));
const PAGES_DIR = path.join(WEB_DIR, 'pages');
const ASSETS_DIR = path.join(WEB_DIR, 'assets');
const require = createRequire(import.meta.url);
/** Chart.js's own UMD build from node_modules (no CDN): `dist/` holds chart.umd.js. */
const CHART_JS_DIR = path.dirname(require.resolve('chart.js'));

/**
 * The region map's libraries and boundaries, each one file from node_modules (no CDN, no network):
 * d3-geo (projections and paths; its UMD build needs d3-array's before it), topojson-client (TopoJSON
 * to GeoJSON), US state boundaries from us-atlas and country outlines from world-atlas (both public
 * domain, from the US Census Bureau and Natural Earth). Only these files are served.
 */
const MAP_FILES: Record<string, { file: string; type: string }> = {
  'd3-array.min.js': { file: path.join(path.dirname(require.resolve('d3-array')), 'd3-array.min.js'), type: 'js' },
  'd3-geo.min.js': { file: path.join(path.dirname(require.resolve('d3-geo')), 'd3-geo.min.js'), type: 'js' },
  'topojson-client.min.js': {
    file: path.join(path.dirname(require.resolve('topojson-client')), 'topojson-client.min.js'),
    type: 'js',
  },
  'us-states-10m.json': { file: require.resolve('us-atlas/states-10m.json'), type: 'json' },
  'world-countries-110m.json': { file: require.resolve('world-atlas/countries-110m.json'), type: 'json' },
};

/**
 * Same-origin only: the pages load scripts, styles and data from this service and nothing else.
 * Chart.js sizes canvases through the CSSOM (element.style), which style-src does not restrict.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

function securityHeaders(_req: Request, res: Response, next: NextFunction) {
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  // The pages are small and change with the service; always revalidate.
  res.setHeader('Cache-Control', 'no-cache');
  next();
}

/**
 * The dashboard (issue 7): static HTML pages and vanilla JS modules at /app/, public so a browser can
 * load them without a key. The pages ask for an API key once, keep it in sessionStorage and call
 * the /v1 JSON API with `Authorization: Bearer …`, so every datum still goes through auth.
 */
export function webRoutes(): Router {
  const router = Router();
  router.use('/app', securityHeaders);
  // Routing is not strict, so '/app' also matches '/app/': redirect only the bare path.
  router.get('/app', (req, res, next) => {
    if (req.originalUrl.split('?')[0] !== '/app') return next();
    res.redirect(301, '/app/');
  });
  router.use('/app/vendor/chart.js', express.static(CHART_JS_DIR, { index: false }));
  router.get('/app/vendor/map/:name', (req, res, next) => {
    const entry = MAP_FILES[req.params.name];
    if (!entry) return next();
    res.type(entry.type).sendFile(entry.file, (error) => {
      if (error) next(error);
    });
  });
  router.use('/app/assets', express.static(ASSETS_DIR, { index: false }));
  // The pages: /app/ is the index; /app/NAME.html and /app/NAME are the page NAME.
  const pages = loadPages(PAGES_DIR);
  const sendPage = (name: string, res: Response, next: NextFunction) => {
    const html = pages.get(name);
    if (html === undefined) return next();
    res.type('html').send(html);
  };
  router.get('/app/', (_req, res, next) => sendPage('index', res, next));
  router.get('/app/:page', (req, res, next) => sendPage(req.params.page.replace(/\.html$/, ''), res, next));
  return router;
}
