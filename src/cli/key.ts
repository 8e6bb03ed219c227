import { AppError } from '../http/app-error';
import { parseInput } from '../http/validate';
import { pageRequest } from '../http/pagination';
import { apiKeyInputSchema } from '../modules/keys/keys.schemas';
import { exitOnHelp, fail, parseFlags, withServices } from './cli-context';

const usage = `Usage:
  npm run key -- create --role admin|creator|partner|storefront [--creator-id ID] [--partner-id ID] [--label TEXT]
      --creator-id for creator and storefront keys, --partner-id for partner keys (as in POST /v1/keys)
  npm run key -- list
  npm run key -- revoke KEY_ID`;

exitOnHelp(usage);
const { positional, flags } = parseFlags(process.argv.slice(2));
const command = positional[0];
const text = (name: string) => (typeof flags[name] === 'string' ? (flags[name] as string) : undefined);

try {
  await withServices(async ({ keys }) => {
    if (command === 'create') {
      const input = parseInput(
        apiKeyInputSchema,
        {
          role: text('role'),
          creator_id: text('creator-id'),
          partner_id: text('partner-id'),
          label: text('label'),
        },
        'options',
      );
      const created = await keys.createApiKey(input);
      process.stdout.write(`Created ${created.role} key ${created.id}. The key is shown only now:\n${created.key}\n`);
    } else if (command === 'list') {
      let cursor: string | undefined;
      do {
        const page = await keys.listApiKeys(pageRequest({ limit: 500, cursor }));
        for (const k of page.items) {
          process.stdout.write(
            `${k.id}  ${k.role.padEnd(10)} ${(k.creator_id ?? k.partner_id ?? '').padEnd(24)} ${k.key_prefix}…  ${k.revoked_at ? `revoked ${k.revoked_at}` : 'active'}  ${k.label}\n`,
          );
        }
        cursor = page.next_cursor ?? undefined;
      } while (cursor !== undefined);
    } else if (command === 'revoke' && positional[1]) {
      const revoked = await keys.revokeApiKey(positional[1]);
      process.stdout.write(`Revoked ${revoked.id} at ${revoked.revoked_at}\n`);
    } else fail(usage);
  });
} catch (error) {
  if (error instanceof AppError) {
    // Name the flags, not the API's field names: `partner_id` is `--partner-id` here.
    const asFlags = (text: string) =>
      text.replace(/\b(role|label|creator_id|partner_id)\b/g, (f) => `--${f.replace('_', '-')}`);
    const lines = (error.options.errors ?? []).map((e) => `  ${asFlags(e.path)}: ${e.message}`);
    fail([asFlags(error.detail), ...lines, '', usage].join('\n'));
  }
  throw error;
}
