import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SERVICE_NODE_FLAGS } from '../../src/bench/service-process';

/**
 * The Dockerfile and compose.yaml as people deploy them. No container runtime runs in CI, so the
 * files are checked for what a deployment relies on: a multi-stage build with production
 * dependencies only, a non-root user, a health check, every copied path present; compose with
 * PostgreSQL, two API replicas and a worker on one database.
 */
interface DockerInstruction {
  keyword: string;
  args: string;
}

function dockerInstructions(text: string): DockerInstruction[] {
  const joined = text.replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [keyword, ...rest] = line.split(/\s+/);
      return { keyword: keyword!.toUpperCase(), args: rest.join(' ') };
    });
}

const KNOWN = new Set([
  'FROM',
  'WORKDIR',
  'COPY',
  'RUN',
  'ENV',
  'USER',
  'EXPOSE',
  'HEALTHCHECK',
  'CMD',
  'ARG',
  'LABEL',
  'ENTRYPOINT',
]);

describe('Dockerfile', () => {
  const instructions = dockerInstructions(fs.readFileSync('Dockerfile', 'utf8'));

  it('uses only known instructions and starts FROM a base image', () => {
    expect(instructions[0]?.keyword).toBe('FROM');
    for (const i of instructions) expect(KNOWN.has(i.keyword), i.keyword).toBe(true);
  });

  it('builds in stages, installing production dependencies from the lock file', () => {
    const stages = instructions.filter((i) => i.keyword === 'FROM');
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(instructions.some((i) => i.keyword === 'RUN' && /npm ci\b.*--omit=dev/.test(i.args))).toBe(true);
    const copiedFromStage = instructions.filter((i) => i.keyword === 'COPY' && i.args.startsWith('--from='));
    const stageNames = stages.map((s) => / AS (\S+)/i.exec(s.args)?.[1]);
    for (const c of copiedFromStage) expect(stageNames).toContain(/--from=(\S+)/.exec(c.args)![1]);
  });

  it('copies only paths that exist, runs as a non-root user, checks health and starts the service', () => {
    for (const copy of instructions.filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from='))) {
      const sources = copy.args.split(/\s+/).slice(0, -1);
      for (const source of sources) expect(fs.existsSync(source), source).toBe(true);
    }
    const user = instructions.filter((i) => i.keyword === 'USER').at(-1);
    expect(user?.args).toBeTruthy();
    expect(user?.args).not.toMatch(/^(root|0)$/);
    expect(instructions.some((i) => i.keyword === 'HEALTHCHECK' && i.args.includes('/healthz'))).toBe(true);
    expect(instructions.at(-1)).toMatchObject({ keyword: 'CMD' });
    expect(instructions.at(-1)!.args).toContain('src/main.ts');
  });

  it('starts Node.js with the same flags as `npm start` and the benches', () => {
    const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
    const cmd = JSON.parse(instructions.at(-1)!.args) as string[];
    for (const flag of SERVICE_NODE_FLAGS) {
      expect(cmd).toContain(flag);
      expect(pkg.scripts.start!.split(/\s+/)).toContain(flag);
    }
  });

  it('runs with production dependencies: every package the service imports at start is a dependency', () => {
    const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    // tsx runs the TypeScript sources: it must be installed by `npm ci --omit=dev`.
    expect(pkg.dependencies.tsx).toBeDefined();
    expect(pkg.devDependencies.tsx).toBeUndefined();
  });

  it('keeps local state and dependencies out of the build context', () => {
    const ignored = fs.readFileSync('.dockerignore', 'utf8').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'var', '.git']));
  });
});

describe('compose.yaml', () => {
  const compose = parse(fs.readFileSync('compose.yaml', 'utf8'), { merge: true }) as {
    services: Record<
      string,
      {
        image?: string;
        build?: string;
        environment?: Record<string, string>;
        deploy?: { replicas?: number };
        depends_on?: Record<string, { condition: string }>;
        healthcheck?: unknown;
        volumes?: string[];
      }
    >;
    volumes?: Record<string, unknown>;
  };

  it('runs PostgreSQL, two API replicas and one worker from the one image, on one database', () => {
    const { postgres, api, worker } = compose.services;
    expect(postgres?.image).toMatch(/^postgres:/);
    expect(postgres?.healthcheck).toBeDefined();
    expect(api?.build).toBe('.');
    expect(worker?.build).toBe('.');
    expect(api?.environment?.ROLE).toBe('api');
    expect(worker?.environment?.ROLE).toBe('worker');
    expect(api?.deploy?.replicas).toBe(2);
    expect(api?.environment?.DATABASE_URL).toBe(worker?.environment?.DATABASE_URL);
    expect(new URL(api!.environment!.DATABASE_URL!).hostname).toBe('postgres');
    expect(api?.depends_on?.postgres?.condition).toBe('service_healthy');
  });

  it('shares one trained-models volume between the worker and the API replicas, where the image keeps them', () => {
    const { api, worker } = compose.services;
    const mountOf = (volumes: string[] | undefined) => volumes?.find((v) => v.endsWith(':/app/var/models'));
    const shared = mountOf(worker?.volumes);
    expect(shared, 'the worker mounts a volume at TRAINED_MODELS_DIR (/app/var/models)').toBeDefined();
    expect(mountOf(api?.volumes)).toBe(shared);
    expect(Object.keys(compose.volumes ?? {})).toContain(shared!.split(':')[0]);
    // The image's default TRAINED_MODELS_DIR (var/models under WORKDIR /app) is that path, made writable by `node`.
    expect(fs.readFileSync('Dockerfile', 'utf8')).toMatch(
      /mkdir -p \/app\/var\/models && chown -R node:node \/app\/var/,
    );
  });
});
