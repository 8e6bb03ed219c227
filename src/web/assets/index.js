// Dashboard home: the key bar and the drops this key can see, linked to their pages.
import { api, el, fmt, getKey, setState } from './api.js';
import { startPage } from './page.js';

const panel = document.getElementById('drops-panel');
const list = document.getElementById('drops-list');

async function load() {
  document.body.dataset.ready = 'false';
  list.replaceChildren();
  if (!getKey()) {
    setState(panel, 'empty', 'Enter an API key above to list drops.');
  } else {
    setState(panel, 'loading', 'Loading drops…');
    try {
      const drops = (await api('/v1/drops')).items;
      if (!drops.length) setState(panel, 'empty', 'This key sees no drops (partner keys: open “Partner allocations”).');
      else {
        setState(panel, 'ready');
        list.replaceChildren(
          ...drops.map((d) => {
            const id = encodeURIComponent(d.id);
            return el(
              'li',
              {},
              el('a', { href: `/app/drop.html?drop=${id}` }, d.name),
              d.status === 'closed'
                ? ` (${d.id}, closed ${fmt.dateTime(d.closes_at)}) · `
                : ` (${d.id}, ${d.status}, opens ${fmt.dateTime(d.opens_at)}) · `,
              el('a', { href: `/app/preview.html?drop=${id}` }, 'regional preview'),
              ' · ',
              d.status === 'closed'
                ? el('a', { href: `/app/report.html?drop=${id}` }, 'post-drop report')
                : el('span', { className: 'muted' }, 'report after it closes'),
              ' · ',
              el('a', { href: `/app/partner.html?drop=${id}` }, 'partner view'),
              ' · ',
              el('a', { href: '/app/estimate.html' }, 'estimate'),
            );
          }),
        );
      }
    } catch (error) {
      setState(panel, 'error', error.message);
    }
  }
  document.body.dataset.ready = 'true';
}

startPage(load);
