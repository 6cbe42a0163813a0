import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { type FileHandle, open, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';

/**
 * The order archive's files. Each month of orders is one gzip file of JSON lines (one order a
 * line, with its items, history, payments, reservations, shipment and notifications), written
 * next to `<file>.sha256` (`sha256sum -c` reads it) and listed in the run's manifest. A file is
 * written once (never overwritten), flushed to disk and read back before any order in it may
 * leave the database.
 */

export const ARCHIVE_FORMAT = 1;

/**
 * Written bytes are flushed to disk every SYNC_EVERY, not all at the end: a month's file (tens of
 * megabytes at a large store) synced at once is a burst of writes that the database's own commits
 * queue behind.
 */
const SYNC_EVERY = 4 * 1024 * 1024;

/** Lines read back between calls to the caller's pace while a file is verified. */
const VERIFY_PAGE = 1_000;

/** Where the compressed bytes go; the default is a file created for this (tests inject failures). */
export interface ArchiveSink {
  write(chunk: Buffer): Promise<void>;
  /** Flushes to stable storage (fsync): a file that is only in the page cache can vanish with the machine. */
  sync(): Promise<void>;
  close(): Promise<void>;
}

export type OpenSink = (file: string) => Promise<ArchiveSink>;

/** A new file (exclusive create: an archive is never overwritten). */
export const openFileSink: OpenSink = async (file) => {
  const handle = await open(file, 'wx', 0o640);
  return {
    write: async (chunk) => {
      await handle.write(chunk);
    },
    sync: () => handle.sync(),
    close: () => handle.close(),
  };
};

/** What was written: enough to check the file against, and the manifest's entry. */
export interface WrittenFile {
  file: string;
  bytes: number;
  sha256: string;
  orders: number;
  /** SHA-256 of the order ids in file order, one per line: the re-read must find exactly these. */
  idsSha256: string;
  minId: string | null;
  maxId: string | null;
}

/** An archived order as one line holds it. */
export interface ArchivedOrder {
  id: string;
  [field: string]: unknown;
}

class IdTally {
  private readonly hash = createHash('sha256');
  count = 0;
  min: string | null = null;
  max: string | null = null;
  add(id: string) {
    this.hash.update(`${id}\n`);
    this.count++;
    if (this.min === null || id < this.min) this.min = id;
    if (this.max === null || id > this.max) this.max = id;
  }
  digest() {
    return this.hash.digest('hex');
  }
}

/** Makes a file's directory entry durable too (a created or renamed file survives a crash). */
async function syncDirectory(dir: string) {
  const handle: FileHandle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes `orders` to `file` as gzip JSON lines, hashing the compressed bytes on their way out,
 * then fsyncs the file, writes its `.sha256` and fsyncs the directory. Throws on any failure; a
 * partial file may be left behind, and nothing names it in a manifest.
 */
export async function writeArchiveFile(
  file: string,
  orders: AsyncIterable<ArchivedOrder>,
  openSink: OpenSink = openFileSink,
): Promise<WrittenFile> {
  const tally = new IdTally();
  const fileHash = createHash('sha256');
  let bytes = 0;
  let unsynced = 0;
  const sink = await openSink(file);
  try {
    const lines = Readable.from(
      (async function* () {
        for await (const order of orders) {
          tally.add(order.id);
          yield `${JSON.stringify(order)}\n`;
        }
      })(),
    );
    // The sink's own error, not the AbortError the pipeline reports as it tears the stages down.
    let sinkError: unknown = null;
    const bySink = (done: Promise<void>) =>
      done.catch((err: unknown) => {
        sinkError = err;
        throw err;
      });
    await pipeline(lines, createGzip({ level: 6 }), async (compressed: AsyncIterable<Buffer>) => {
      for await (const chunk of compressed) {
        fileHash.update(chunk);
        bytes += chunk.length;
        unsynced += chunk.length;
        await bySink(sink.write(chunk));
        if (unsynced >= SYNC_EVERY) {
          unsynced = 0;
          await bySink(sink.sync());
        }
      }
    }).catch((err: unknown) => {
      throw sinkError ?? err;
    });
    await sink.sync();
  } finally {
    await sink.close();
  }
  const sha256 = fileHash.digest('hex');
  await writeDurably(`${file}.sha256`, `${sha256}  ${path.basename(file)}\n`);
  await syncDirectory(path.dirname(file));
  return {
    file,
    bytes,
    sha256,
    orders: tally.count,
    idsSha256: tally.digest(),
    minId: tally.min,
    maxId: tally.max,
  };
}

/** Writes a small file whole and durably: a temporary name, fsync, then rename over the real one. */
export async function writeDurably(file: string, text: string) {
  const tmp = `${file}.tmp-${process.pid}`;
  const handle = await open(tmp, 'w', 0o640);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, file);
  await syncDirectory(path.dirname(file));
}

export class ArchiveCheckFailed extends Error {
  override name = 'ArchiveCheckFailed';
}

/** The SHA-256 of a file's bytes as they are on disk now. */
async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The checksum a file's `.sha256` records. */
export async function recordedChecksum(file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(`${file}.sha256`, 'utf8');
  } catch (err) {
    throw new ArchiveCheckFailed(`${file}.sha256 cannot be read: ${(err as Error).message}`);
  }
  const match = /^([0-9a-f]{64})\s/.exec(text);
  if (!match) throw new ArchiveCheckFailed(`${file}.sha256 holds no SHA-256`);
  return match[1]!;
}

/** Each order of an archive file, parsed, in file order. */
export async function* readArchiveLines(file: string): AsyncGenerator<ArchivedOrder> {
  const lines = createInterface({ input: createReadStream(file).pipe(createGunzip()), crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (line === '') continue;
    let order: ArchivedOrder;
    try {
      order = JSON.parse(line) as ArchivedOrder;
    } catch {
      throw new ArchiveCheckFailed(`${path.basename(file)} line ${n} is not JSON`);
    }
    if (typeof order?.id !== 'string') {
      throw new ArchiveCheckFailed(`${path.basename(file)} line ${n} is not an order`);
    }
    yield order;
  }
}

/**
 * Reads a written file back from disk and checks it against what was written: the bytes' SHA-256
 * (and the `.sha256` beside it), then every line parsed, the same order ids in the same order.
 * Only a file that passes may have its orders removed from the database. `pace` is awaited every
 * VERIFY_PAGE lines (the archive rests there as it does between pages it reads from the database).
 */
export async function verifyArchiveFile(
  written: WrittenFile,
  pace: () => Promise<void> = async () => {},
): Promise<void> {
  const name = path.basename(written.file);
  const onDisk = await hashFile(written.file);
  if (onDisk !== written.sha256) {
    throw new ArchiveCheckFailed(`${name}: its bytes on disk hash to ${onDisk}, not ${written.sha256}`);
  }
  if ((await recordedChecksum(written.file)) !== written.sha256) {
    throw new ArchiveCheckFailed(`${name}.sha256 does not record ${written.sha256}`);
  }
  const tally = new IdTally();
  try {
    for await (const order of readArchiveLines(written.file)) {
      tally.add(order.id);
      if (tally.count % VERIFY_PAGE === 0) await pace();
    }
  } catch (err) {
    if (err instanceof ArchiveCheckFailed) throw err;
    throw new ArchiveCheckFailed(`${name} cannot be read back: ${(err as Error).message}`);
  }
  if (tally.count !== written.orders || tally.digest() !== written.idsSha256) {
    throw new ArchiveCheckFailed(
      `${name} reads back ${tally.count} orders, not the ${written.orders} written (or not the same ones)`,
    );
  }
}

/** Checks an archive file against its `.sha256` before anyone reads it: a damaged archive says so. */
export async function checkArchiveFile(file: string): Promise<string> {
  const recorded = await recordedChecksum(file);
  const onDisk = await hashFile(file);
  if (onDisk !== recorded) {
    throw new ArchiveCheckFailed(
      `${path.basename(file)} is damaged: it hashes to ${onDisk}, its .sha256 says ${recorded}`,
    );
  }
  return recorded;
}
