// Page chrome shared by every page: mounts the key bar and runs the page's loader on start and
// whenever the key changes.
import { getKey, mountKeyBar } from './api.js';

export function startPage(load) {
  const keybar = document.getElementById('keybar');
  const run = () => {
    document.body.dataset.hasKey = getKey() ? 'true' : 'false';
    load().catch((error) => console.error(error));
  };
  mountKeyBar(keybar, run);
  run();
}
