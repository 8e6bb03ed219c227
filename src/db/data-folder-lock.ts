/**
 * One process at a time per embedded (PGlite) data folder. PGlite has no server to arbitrate: two
 * processes opening the same folder would each write its files and corrupt it. Whoever opens the
 * folder takes `<folder>.lock` (pid, command, start time), created exclusively; a second opener
 * gets a `DataFolderLockedError` naming the holder. A lock whose pid is no longer alive (a killed
 * process) is stale and taken over. Released on close and on normal process exit.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface LockHolder {
  pid: number;
  command: string;
  started_at: string;
}

export class DataFolderLockedError extends Error {
  override readonly name = 'DataFolderLockedError';
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder,
  ) {
    super(
      `the embedded database in ${dataDir} is in use by process ${holder.pid} (${holder.command}, since ` +
        `${holder.started_at}); stop it first, or use the API of the running service`,
    );
  }
}

export const lockFileOf = (dataDir: string) => `${path.resolve(dataDir)}.lock`;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(file: string): LockHolder | null {
  try {
    const holder = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LockHolder>;
    return typeof holder.pid === 'number' ? (holder as LockHolder) : null;
  } catch {
    return null;
  }
}

/** Takes the folder's lock or throws `DataFolderLockedError`; answers the release function. */
export function lockDataFolder(dataDir: string, command = process.argv.slice(1).join(' ')): () => void {
  const file = lockFileOf(dataDir);
  const me: LockHolder = { pid: process.pid, command: command || 'node', started_at: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(file, `${JSON.stringify(me)}\n`, { flag: 'wx' });
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        process.off('exit', release);
        if (readHolder(file)?.pid === process.pid) fs.rmSync(file, { force: true });
      };
      process.on('exit', release);
      return release;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readHolder(file);
      if (holder && holder.pid !== process.pid && alive(holder.pid)) throw new DataFolderLockedError(dataDir, holder);
      if (holder?.pid === process.pid) throw new DataFolderLockedError(dataDir, holder);
      // Stale (its process is gone) or unreadable: take it over. Removing and re-creating
      // exclusively means two takers cannot both win.
      fs.rmSync(file, { force: true });
    }
  }
  throw new Error(`could not take the lock ${file}`);
}
