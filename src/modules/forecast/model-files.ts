/**
 * The file-system `ModelStorage`: a model is a folder `<root>/<id>/` with model.json, weights.bin
 * and metadata.json. Writes go to a temporary file renamed into place, so a reader (another
 * replica, the model cache) sees the old file or the new one, never half of one.
 */
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelFileName } from './core/model-store';

/**
 * Where model folders live. `read` rejects when the file is missing or unreadable; `write` replaces
 * a file atomically (readers see the old or the new bytes, never half).
 */
export interface ModelStorage {
  read(dir: string, file: ModelFileName): Promise<Uint8Array>;
  write(dir: string, file: ModelFileName, data: Uint8Array): Promise<void>;
}

export const fileModelStorage: ModelStorage = {
  async read(dir, file) {
    return new Uint8Array(await readFile(join(dir, file)));
  },
  async write(dir, file, data) {
    await mkdir(dir, { recursive: true });
    const path = join(dir, file);
    const tmp = `${path}.tmp-${process.pid}`;
    await writeFile(tmp, data);
    await rename(tmp, path);
  },
};

/** Size and mtime of a model's files: the model cache reloads when they change. */
export async function modelFilesStamp(dir: string, files: readonly ModelFileName[]): Promise<string> {
  const stamps = await Promise.all(
    files.map(async (f) => {
      try {
        const s = await stat(join(dir, f));
        return `${s.size}:${s.mtimeMs}`;
      } catch {
        return 'missing';
      }
    }),
  );
  return stamps.join('|');
}

/** Names of the model folders under `root` (none when it does not exist). */
export async function listModelFolders(root: string): Promise<string[]> {
  try {
    const entries = await readdir(root, { withFileTypes: true });
    return entries
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
