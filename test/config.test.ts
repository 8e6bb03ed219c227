import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config';

describe('loadConfig', () => {
  it('gives defaults for a bare environment: embedded database, port 3000', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 3000, databaseUrl: undefined, logLevel: 'info', loadDemoData: true });
    expect(config.dataDir).toMatch(/var\/data$/);
  });

  it('stops with a message naming each bad variable', () => {
    expect(() => loadConfig({ PORT: 'eighty', LOG_LEVEL: 'loud' })).toThrow(ConfigError);
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x' });
    } catch (error) {
      expect((error as ConfigError).message).toMatch(/PORT/);
      expect((error as ConfigError).message).toMatch(/DATABASE_URL/);
    }
  });

  it('runs every part in one process by default (ROLE=all); api and worker need a PostgreSQL server', () => {
    expect(loadConfig({}).role).toBe('all');
    expect(loadConfig({ ROLE: 'worker', DATABASE_URL: 'postgres://db/app' }).role).toBe('worker');
    expect(() => loadConfig({ ROLE: 'api' })).toThrow(/ROLE: api .*DATABASE_URL/);
  });

  it('refuses an unknown ROLE, naming the variable and the value', () => {
    expect(() => loadConfig({ ROLE: 'scheduler' })).toThrow(ConfigError);
    expect(() => loadConfig({ ROLE: 'scheduler' })).toThrow(/ROLE: .*"scheduler"/);
  });
});
