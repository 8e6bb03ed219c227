import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * API tests call the service through the typed client; the old raw helper whose bodies were `any`
 * (`untypedRequest`) is gone, and `npm run lint` refuses it in any test file, so it cannot come back.
 */
const root = path.resolve(import.meta.dirname, '../..');
let eslint: ESLint;

async function restrictions(file: string, text: string): Promise<string[]> {
  const [result] = await eslint.lintText(text, { filePath: path.join(root, file) });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === 'no-restricted-syntax' || m.fatal)
    .map((m) => `${m.ruleId ?? 'fatal'}: ${m.message}`);
}

const file = 'test/modules/returns/returns.api.test.ts';
const source = readFileSync(path.join(root, file), 'utf8');

describe('typed API tests (lint)', () => {
  beforeAll(async () => {
    eslint = new ESLint({ cwd: root });
    // The first type-aware lint loads the TypeScript program (tens of seconds): do it in the hook.
    await eslint.lintText(source, { filePath: path.join(root, file) });
  });

  it('passes a converted API test as it is', async () => {
    expect(await restrictions(file, source)).toEqual([]);
  });

  it('fails on a call to app.untypedRequest, in any test file', async () => {
    const text = `${source}\nexport const legacy = (app: { untypedRequest: unknown }) => app.untypedRequest;\n`;
    const errors = await restrictions(file, text);
    expect(errors.length).toBeGreaterThanOrEqual(2);
    expect(errors).toContain(
      'no-restricted-syntax: Use app.client() (typed), or app.rawRequest() (unknown body) for what the contract forbids.',
    );
  });

  it('fails on the helper being declared again in the harness', async () => {
    const harness = 'test/harness/test-app.ts';
    const text = `${readFileSync(path.join(root, harness), 'utf8')}\nexport interface Legacy { untypedRequest(): void }\nexport type UntypedTestResponse = unknown;\n`;
    expect(await restrictions(harness, text)).toHaveLength(2);
  });
});
