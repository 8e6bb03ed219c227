// The one way the pages talk to the API: the key from sessionStorage as a Bearer token, errors as
// problem+json turned into a readable message. Also the shared page chrome: the key bar and states.

const KEY_STORAGE = 'mf_api_key';

export function getKey() {
  return sessionStorage.getItem(KEY_STORAGE);
}

/**
 * The role a key was made for, read from its prefix (`mf_<role>_…`), to show only the controls that
 * role can use. Only a convenience for the page: the API decides what a key may do.
 */
export function keyRole(key = getKey()) {
  return key?.match(/^mf_(admin|creator|partner|storefront)_/)?.[1] ?? null;
}

export function setKey(key) {
  sessionStorage.setItem(KEY_STORAGE, key.trim());
}

export function clearKey() {
  sessionStorage.removeItem(KEY_STORAGE);
}

export class ApiError extends Error {
  constructor(status, problem, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
  }
}

function describeProblem(status, problem) {
  const detail = problem && typeof problem.detail === 'string' ? problem.detail : '';
  const requestId = problem && problem.request_id ? ` (request id ${problem.request_id})` : '';
  if (status === 401)
    return `The API key was refused (401 unauthorized)${detail ? `: ${detail}` : ''}. Check the key, or change it above.`;
  if (status === 404)
    return `Not found (404)${detail ? `: ${detail}` : ''}. It may not exist, or this key may not see it.`;
  if (status === 429) return `Too many requests (429): wait a moment and try again.`;
  const title = problem && problem.title ? problem.title : 'Request failed';
  return `${title} (${status})${detail ? `: ${detail}` : ''}${requestId}`;
}

/**
 * Calls the JSON API. `accept: 'text/csv'` returns the body as text. Throws ApiError with a
 * message fit to show: status 0 means no key or no answer from the service.
 */
export async function api(path, { method = 'GET', body, accept = 'application/json' } = {}) {
  const key = getKey();
  if (!key) throw new ApiError(0, null, 'Enter an API key first (at the top of the page).');
  const headers = { Authorization: `Bearer ${key}`, Accept: accept };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, null, 'The service did not answer. Is it running?');
  }
  if (!res.ok) {
    const problem = await res.json().catch(() => null);
    throw new ApiError(res.status, problem, describeProblem(res.status, problem));
  }
  if (res.status === 204) return null;
  if (accept !== 'application/json') return res.text();
  return res.json();
}

/** A GET that answers null on 404 (e.g. "no forecast yet"); other errors still throw. */
export async function apiOrNull(path) {
  try {
    return await api(path);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

function maskKey(key) {
  const prefix = key.match(/^mf_[a-z]+_/)?.[0] ?? '';
  return `${prefix}…${key.slice(-4)}`;
}

/**
 * The key bar: asks for the API key once and keeps it in sessionStorage (this tab only).
 * `onChange` runs after a key is entered or forgotten.
 */
export function mountKeyBar(container, onChange) {
  const render = () => {
    container.replaceChildren();
    const key = getKey();
    if (key) {
      const text = el(
        'p',
        { className: 'keybar-status', 'data-testid': 'key-status' },
        'Using API key ',
        el('code', {}, maskKey(key)),
        ' (kept in this tab only).',
      );
      const change = el('button', { type: 'button', className: 'secondary', id: 'change-key' }, 'Change key');
      change.addEventListener('click', () => {
        clearKey();
        render();
        container.querySelector('input')?.focus();
        onChange();
      });
      container.append(text, change);
      return;
    }
    const form = el('form', { id: 'key-form', 'aria-describedby': 'key-hint' });
    const input = el('input', {
      id: 'api-key',
      name: 'api-key',
      type: 'password',
      autocomplete: 'off',
      spellcheck: 'false',
      required: true,
      placeholder: 'mf_…',
    });
    form.append(
      el('div', { className: 'field' }, el('label', { for: 'api-key' }, 'API key'), input),
      el('button', { type: 'submit' }, 'Use this key'),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (!input.value.trim()) return;
      setKey(input.value);
      render();
      onChange();
    });
    container.append(
      form,
      el(
        'p',
        { id: 'key-hint', className: 'muted' },
        'Paste an admin, creator, partner or storefront key. It stays in this browser tab (sessionStorage) and is sent only to this service.',
      ),
    );
  };
  render();
}

/**
 * Shows a panel's state: 'loading', 'empty', 'error', 'ok' or 'ready' (ready hides the message).
 * The panel gets data-state (tests and CSS hide `.needs-data` content unless ready).
 */
export function setState(panel, kind, message = '') {
  panel.dataset.state = kind;
  panel.setAttribute('aria-busy', kind === 'loading' ? 'true' : 'false');
  const box = panel.querySelector(':scope > .state') ?? panel.querySelector('.state');
  if (!box) return;
  box.dataset.kind = kind;
  box.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  box.textContent = kind === 'ready' ? '' : message || (kind === 'loading' ? 'Loading…' : '');
}

/** Tiny element builder: el('a', { href, className }, 'text', child). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'className') node.className = value;
    else if (name === 'dataset') Object.assign(node.dataset, value);
    else if (value === true) node.setAttribute(name, '');
    else node.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof window.Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/**
 * A table from column specs { label, value(row), num? } and rows; caption for screen readers. Each
 * cell carries its column's label (data-label), so on a phone a row stacks as "label: value" lines
 * instead of scrolling sideways (app.css).
 */
export function table(caption, columns, rows) {
  const head = el(
    'tr',
    {},
    columns.map((c) => el('th', { scope: 'col', className: c.num ? 'num' : undefined }, c.label)),
  );
  const body = rows.map((row) =>
    el(
      'tr',
      {},
      columns.map((c) => el('td', { className: c.num ? 'num' : undefined, 'data-label': c.label }, c.value(row))),
    ),
  );
  return el(
    'div',
    { className: 'table-wrap' },
    el('table', {}, el('caption', {}, caption), el('thead', {}, head), el('tbody', {}, body)),
  );
}

/**
 * Money is shown in one currency: the catalog stores prices and costs as plain numbers, which the
 * demo (and this dashboard) reads as US dollars.
 */
export const CURRENCY = 'USD';

/**
 * A headline figure: its name, the value with its unit, and one line saying what it is. `value` is
 * text or a node; attrs go on the value (an id, a data-value with the raw number for tests).
 */
export function kpi(label, value, note, attrs = {}) {
  return el(
    'div',
    { className: 'kpi' },
    el('dt', {}, label),
    el('dd', attrs, value),
    note ? el('dd', { className: 'kpi-note' }, note) : null,
  );
}

export const fmt = {
  num(value, digits = 1) {
    if (value === null || value === undefined || Number.isNaN(value)) return '–';
    return Number(value).toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
  },
  /** "1,150 units" (or "1 unit"). */
  units(value, digits = 0) {
    if (value === null || value === undefined || Number.isNaN(value)) return '–';
    return `${fmt.num(value, digits)} ${Math.abs(value) === 1 ? 'unit' : 'units'}`;
  },
  /** "$27,455" for large sums, "$9.60" for small ones. */
  money(value) {
    if (value === null || value === undefined || Number.isNaN(value)) return '–';
    const digits = Math.abs(value) >= 1000 ? 0 : 2;
    return Number(value).toLocaleString('en-US', {
      style: 'currency',
      currency: CURRENCY,
      maximumFractionDigits: digits,
      minimumFractionDigits: digits,
    });
  },
  /** A signed amount of money: "+$120" / "−$3.50". */
  signedMoney(value) {
    if (value === null || value === undefined || Number.isNaN(value)) return '–';
    const text = fmt.money(Math.abs(value));
    return value > 0 ? `+${text}` : value < 0 ? `−${text}` : text;
  },
  /** "2" or "1–2" (a range that collapses when both ends agree). */
  range(low, high, digits = 1) {
    return fmt.num(low, digits) === fmt.num(high, digits)
      ? fmt.num(low, digits)
      : `${fmt.num(low, digits)}–${fmt.num(high, digits)}`;
  },
  pct(value) {
    if (value === null || value === undefined) return '–';
    return `${(value * 100).toLocaleString('en-US', { maximumFractionDigits: 1 })}%`;
  },
  dateTime(iso) {
    if (!iso) return '–';
    const d = new Date(iso);
    return `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 16)} UTC`;
  },
  day(isoDate) {
    if (!isoDate) return '–';
    // YYYY-MM-DD in the buyer's time zone: format without shifting it through the browser's zone.
    const d = new Date(`${isoDate}T12:00:00Z`);
    return d.toLocaleDateString('en-US', { weekday: 'short', month: 'short', day: 'numeric', timeZone: 'UTC' });
  },
  signed(value) {
    if (value === null || value === undefined) return '–';
    const rounded = Math.round(value * 10) / 10;
    return `${rounded > 0 ? '+' : ''}${rounded}`;
  },
};

/** The page's ?name= query parameter, or a fallback. */
export function param(name, fallback = '') {
  return new URLSearchParams(window.location.search).get(name) ?? fallback;
}

export const DEMO_DROP_ID = 'drop-nova-winter';
