// The worker threads' entry (see worker-pool.ts). Plain JavaScript: a worker thread does not get
// the main thread's TypeScript loader (tsx's --import hooks do not reach workers on Node 20), so
// it registers tsx itself, then imports the task's module (once per thread: the module system
// caches it) and calls the named export.
import { register } from 'tsx/esm/api';

register();

export default async function runTask(task) {
  const loaded = await import(task.module);
  const fn = loaded[task.fn];
  if (typeof fn !== 'function') throw new Error(`worker task ${task.fn} is not exported by ${task.module}`);
  // A task run with onProgress gets a port: its function reports through a callback as last argument.
  const port = task.progressPort;
  if (!port) return fn(...task.args);
  try {
    return await fn(...task.args, (fraction, message) => port.postMessage({ fraction, message }));
  } finally {
    port.close();
  }
}
