import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** A fully written, fsynced temp file and the sha256/size of what went into it. */
export interface HashedTempFile {
  readonly tempPath: string;
  readonly sha256: string;
  readonly size: number;
}

/** Prefix of in-flight files. Anything named so is never a finished blob or pointer. */
export const TEMP_PREFIX = '.tmp-';

/**
 * Streams `chunks` into `<dir>/.tmp-<random>`, hashing as it writes, then fsyncs. Holds one chunk in memory
 * at a time. If the source or a write fails, the temp file is removed and the error rethrown.
 */
export async function writeHashedTemp(dir: string, chunks: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array>, mode: number): Promise<HashedTempFile> {
  const tempPath = join(dir, `${TEMP_PREFIX}${randomBytes(12).toString('hex')}`);
  const hash = createHash('sha256');
  let size = 0;
  const handle = await open(tempPath, 'wx', mode);
  try {
    for await (const chunk of chunks) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      hash.update(bytes);
      size += bytes.byteLength;
      let offset = 0;
      while (offset < bytes.byteLength) {
        const { bytesWritten } = await handle.write(bytes, offset, bytes.byteLength - offset);
        offset += bytesWritten;
      }
    }
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(tempPath, { force: true });
    throw error;
  }
  try {
    await handle.close();
  } catch (error) {
    await rm(tempPath, { force: true });
    throw error;
  }
  return { tempPath, sha256: hash.digest('hex'), size };
}

/** Renames a finished temp file to its final name (atomic on one file system) and fsyncs the directory entry. */
export async function commitFile(tempPath: string, finalPath: string): Promise<void> {
  const dir = dirname(finalPath);
  await mkdir(dir, { recursive: true });
  await rename(tempPath, finalPath);
  await fsyncDir(dir);
}

/** Makes a rename durable. Some platforms cannot fsync a directory; there the rename is as durable as it gets. */
async function fsyncDir(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM' && code !== 'EBADF') throw error;
  } finally {
    await handle?.close();
  }
}
