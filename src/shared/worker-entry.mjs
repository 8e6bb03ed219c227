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
  return fn(...task.args);
}
