// Entry of the training worker thread (piscina). Under `tsx` (npm start, the CLIs) the worker
// inherits tsx's loader and imports the TypeScript module directly; elsewhere (plain node, the
// test runner) it loads it through tsx's API.
let handler;
async function load() {
  try {
    return (await import('./training.worker.ts')).default;
  } catch {
    const { tsImport } = await import('tsx/esm/api');
    return (await tsImport('./training.worker.ts', import.meta.url)).default;
  }
}
export default async function runTrainingTask(input) {
  handler ??= await load();
  return handler(input);
}
