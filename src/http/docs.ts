import fs from 'node:fs';
import path from 'node:path';
import express, { Router } from 'express';
import swaggerUiDist from 'swagger-ui-dist';

export const OPENAPI_PATH = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../openapi.yaml');

const docsPage = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <meta name="viewport" content="width=device-width, initial-scale=1" />
  <title>Micro-fulfilment planner API</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css" />
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>`;

const initScript = `window.ui = SwaggerUIBundle({ url: '/openapi.yaml', dom_id: '#swagger-ui', deepLinking: true, persistAuthorization: false });`;

/** The contract at /openapi.yaml and Swagger UI (from its npm package, served locally) at /docs. */
export function docsRoutes(): Router {
  const router = Router();
  const spec = fs.readFileSync(OPENAPI_PATH, 'utf8');
  router.get('/openapi.yaml', (_req, res) => {
    res.type('application/yaml').send(spec);
  });
  router.get(['/docs', '/docs/'], (_req, res) => {
    res.type('html').send(docsPage);
  });
  router.get('/docs/init.js', (_req, res) => {
    res.type('application/javascript').send(initScript);
  });
  router.use('/docs/assets', express.static(swaggerUiDist.getAbsoluteFSPath(), { index: false }));
  return router;
}
