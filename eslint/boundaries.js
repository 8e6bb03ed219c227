import path from 'node:path';
import { TABLE_OWNERS } from './table-owners.js';

/**
 * The module boundaries of src/modules, as lint rules (README, "Architecture"):
 *
 * - `no-foreign-repository`: a module's repository is its own; another module (or anything outside
 *   src/modules) asks that module's service or exported reader instead of importing the repository.
 * - `public-surface`: a module's files reach another module only through its public surface, the
 *   module's `index.ts` (`'../catalog'`, never `'../catalog/catalog.service'`); a pure core imports
 *   no other module at all (types aside), only src/shared.
 * - `no-sql`: SQL lives in repositories (and migrations); a file this rule is applied to may neither
 *   run a statement (`x.query(...)`, `x.exec(...)`) nor hold a string that reads as SQL.
 * - `table-writes`: each table is written (insert, update, delete, copy) by one module's repository,
 *   its owner in `table-owners.js`; another module asks the owner's service, which may take the
 *   caller's transaction.
 * - `table-reads`: each table is read (from, join) by its owner's repository only; another module asks
 *   the owner's service or readers, which take the caller's connection or transaction.
 */

const MODULE_FILE = /(?:^|\/)src\/modules\/([^/]+)\/(.+)$/;
const REPOSITORY = /\.repository(?:\.[cm]?[jt]s)?$/;

/** The module of a file (`catalog` for src/modules/catalog/x.ts), or null outside src/modules. */
function moduleOf(file) {
  const match = MODULE_FILE.exec(file.split(path.sep).join('/'));
  return match ? match[1] : null;
}

/** A path relative to the lint root, with forward slashes. */
function relative(cwd, file) {
  return path.relative(cwd, file).split(path.sep).join('/');
}

const noForeignRepository = {
  meta: {
    type: 'problem',
    docs: { description: "Forbid importing another module's repository" },
    schema: [
      {
        type: 'object',
        properties: {
          /** Temporary, named exceptions: `{ from: 'src/…/a.ts', to: 'src/…/b.repository' }`. */
          allow: {
            type: 'array',
            items: {
              type: 'object',
              properties: { from: { type: 'string' }, to: { type: 'string' } },
              required: ['from', 'to'],
              additionalProperties: false,
            },
          },
        },
        additionalProperties: false,
      },
    ],
    messages: {
      foreign:
        "'{{source}}' is the {{target}} module's repository: {{importer}} may not import it; ask the {{target}} module's service or exported reader.",
    },
  },
  create(context) {
    const filename = context.filename;
    const cwd = context.cwd;
    const importer = moduleOf(relative(cwd, filename));
    const allow = (context.options[0]?.allow ?? []).map((a) => ({
      from: a.from,
      to: a.to.replace(/\.[cm]?[jt]s$/, ''),
    }));
    const check = (node, source) => {
      if (typeof source !== 'string' || !source.startsWith('.')) return;
      const resolved = relative(cwd, path.resolve(path.dirname(filename), source));
      if (!REPOSITORY.test(resolved)) return;
      const target = moduleOf(resolved);
      if (target === null || target === importer) return;
      const from = relative(cwd, filename);
      const to = resolved.replace(/\.[cm]?[jt]s$/, '');
      if (allow.some((a) => a.from === from && a.to === to)) return;
      context.report({
        node,
        messageId: 'foreign',
        data: { source, target, importer: importer ? `the ${importer} module` : from },
      });
    };
    return {
      ImportDeclaration: (node) => check(node.source, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node.source, node.source.value),
      ExportAllDeclaration: (node) => check(node.source, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node.source, node.source.value),
    };
  },
};

const publicSurface = {
  meta: {
    type: 'problem',
    docs: { description: "Forbid reaching past another module's index.ts" },
    schema: [],
    messages: {
      deep: "'{{source}}' reaches inside the {{target}} module: import its public surface ('{{surface}}') and export what you need from src/modules/{{target}}/index.ts.",
      core: "'{{source}}' is the {{target}} module: a core imports no other module (types aside); move shared pure code to src/shared.",
    },
  },
  create(context) {
    const cwd = context.cwd;
    const filename = context.filename;
    const from = relative(cwd, filename);
    const importer = moduleOf(from);
    if (importer === null) return {};
    const inCore = new RegExp(`^src/modules/${importer}/core/`).test(from);
    const check = (node, source, typeOnly) => {
      if (typeof source !== 'string' || !source.startsWith('.')) return;
      const resolved = relative(cwd, path.resolve(path.dirname(filename), source)).replace(/\.[cm]?[jt]s$/, '');
      const target = /^src\/modules\/([^/]+)(?:\/|$)/.exec(resolved)?.[1] ?? null;
      // A repository has its own rule and message (no-foreign-repository).
      if (target === null || target === importer || REPOSITORY.test(resolved)) return;
      const surface = `src/modules/${target}`;
      if (resolved !== surface && resolved !== `${surface}/index`) {
        const fromDir = path.dirname(filename);
        const rel = path.relative(fromDir, path.join(cwd, surface)).split(path.sep).join('/');
        context.report({ node, messageId: 'deep', data: { source, target, surface: rel } });
      } else if (inCore && !typeOnly) {
        context.report({ node, messageId: 'core', data: { source, target } });
      }
    };
    const typeOnlyImport = (node) =>
      node.importKind === 'type' ||
      (node.specifiers.length > 0 && node.specifiers.every((s) => s.importKind === 'type'));
    return {
      ImportDeclaration: (node) => check(node.source, node.source.value, typeOnlyImport(node)),
      ExportNamedDeclaration: (node) =>
        node.source && check(node.source, node.source.value, node.exportKind === 'type'),
      ExportAllDeclaration: (node) => check(node.source, node.source.value, node.exportKind === 'type'),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node.source, node.source.value, false),
    };
  },
};

/** Text that reads as a SQL statement (what a repository would hold). */
const SQL_TEXT =
  /^\s*(?:select\s[\s\S]*\bfrom\s|select\s+[a-z_]+\s*\(|insert\s+into\s|update\s+[a-z_]+\s[\s\S]*\bset\s|delete\s+from\s|with\s+[a-z_]+\s+as\s*\(|(?:release\s+|rollback\s+to\s+)?savepoint\s|lock\s+table\s|truncate\s|(?:create|drop|alter)\s+(?:table|index|view|function|database|schema)\s|copy\s+[a-z_]+)/i;
const DATABASE_CALLS = new Set(['query', 'exec']);

const noSql = {
  meta: {
    type: 'problem',
    docs: { description: 'Forbid SQL outside repositories and migrations' },
    schema: [],
    messages: {
      call: "'.{{name}}(…)' runs SQL: move the statement into this module's repository.",
      text: "This string reads as SQL: move it into this module's repository.",
    },
  },
  create(context) {
    const checkText = (node, text) => {
      if (SQL_TEXT.test(text)) context.report({ node, messageId: 'text' });
    };
    return {
      CallExpression(node) {
        const callee = node.callee;
        if (callee.type !== 'MemberExpression' || callee.computed || callee.property.type !== 'Identifier') return;
        const first = node.arguments[0];
        if (
          !first ||
          (first.type !== 'TemplateLiteral' && !(first.type === 'Literal' && typeof first.value === 'string'))
        )
          return;
        if (DATABASE_CALLS.has(callee.property.name))
          context.report({ node, messageId: 'call', data: { name: callee.property.name } });
      },
      Literal(node) {
        if (typeof node.value === 'string') checkText(node, node.value);
      },
      TemplateLiteral(node) {
        checkText(node, node.quasis.map((q) => q.value.cooked ?? q.value.raw).join('$x'));
      },
    };
  },
};

/** Visitors that hand `check` every string or template literal that reads as SQL, with its text. */
function visitSqlText(check) {
  return {
    Literal(node) {
      if (typeof node.value === 'string' && SQL_TEXT.test(node.value)) check(node, node.value);
    },
    TemplateLiteral(node) {
      const text = node.quasis.map((q) => q.value.cooked ?? q.value.raw).join('$x');
      if (SQL_TEXT.test(text)) check(node, text);
    },
  };
}

/**
 * The table a statement writes, for every write in a string of SQL. `update` after `for`, `no key`
 * or `do` is a row lock or an upsert's own branch, not a statement of its own.
 */
const TABLE_WRITE =
  /(?<!\bfor\s+|\bkey\s+|\bdo\s+)\b(?:insert\s+into|update|delete\s+from)\s+([a-z_][a-z0-9_]*)|\bcopy\s+([a-z_][a-z0-9_]*)\s*(?:\(|from\b)/gi;
const NOT_TABLES = new Set(['set', 'of', 'skip', 'nowait']);

const tableWrites = {
  meta: {
    type: 'problem',
    docs: { description: "Forbid writing another module's table" },
    schema: [],
    messages: {
      foreign:
        "'{{table}}' belongs to the {{owner}} module: the {{module}} module may not write it; ask the {{owner}} module's service (it can take your transaction).",
      unknown: "'{{table}}' has no owner: add it to eslint/table-owners.js under the module that writes it.",
    },
  },
  create(context) {
    const module = moduleOf(context.filename);
    if (!module) return {};
    const check = (node, text) => {
      for (const match of text.matchAll(TABLE_WRITE)) {
        const table = (match[1] ?? match[2]).toLowerCase();
        if (NOT_TABLES.has(table)) continue;
        const owner = TABLE_OWNERS[table];
        if (!owner) context.report({ node, messageId: 'unknown', data: { table } });
        else if (owner !== module) context.report({ node, messageId: 'foreign', data: { table, owner, module } });
      }
    };
    return visitSqlText(check);
  },
};

/** The table each `from` or `join` reads, in a string of SQL (a `delete from` is a write, checked above). */
const TABLE_READ = /(?<!\bdelete\s+)\b(?:from|join)\s+([a-z_][a-z0-9_]*)/gi;

const tableReads = {
  meta: {
    type: 'problem',
    docs: { description: "Forbid reading another module's table" },
    schema: [],
    messages: {
      foreign:
        "'{{table}}' belongs to the {{owner}} module: the {{module}} module may not read it; ask the {{owner}} module's service (it can take your transaction).",
    },
  },
  create(context) {
    const module = moduleOf(context.filename);
    if (!module) return {};
    const check = (node, text) => {
      for (const match of text.matchAll(TABLE_READ)) {
        const table = match[1].toLowerCase();
        const owner = TABLE_OWNERS[table];
        if (owner && owner !== module) context.report({ node, messageId: 'foreign', data: { table, owner, module } });
      }
    };
    return visitSqlText(check);
  },
};

export default {
  meta: { name: 'boundaries' },
  rules: {
    'no-foreign-repository': noForeignRepository,
    'public-surface': publicSurface,
    'no-sql': noSql,
    'table-writes': tableWrites,
    'table-reads': tableReads,
  },
};
