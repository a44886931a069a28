/**
 * Opening the files of an export directory that may have been prepared by an attacker: only plain
 * names (never `.`, `..` or a path), only regular files (never a symbolic link — `O_NOFOLLOW` —, a
 * FIFO that would block a read, a device that never ends, or a directory), and sizes checked
 * before a byte is read. The file is checked with lstat before it is opened (a FIFO or device is
 * never opened) and again with fstat after (the file opened is the file checked).
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, type Stats } from 'node:fs';
import { join } from 'node:path';

export type Opened = { ok: true; fd: number; size: number } | { ok: false; missing: boolean; why: string };

const PLAIN_NAME = /^[A-Za-z0-9._-]+$/;

export function isPlainName(name: string): boolean {
  return PLAIN_NAME.test(name) && name !== '.' && name !== '..';
}

export function kindOf(st: Stats): string {
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

export function openRegular(dir: string, name: string): Opened {
  if (!isPlainName(name)) return { ok: false, missing: false, why: `${JSON.stringify(name)} is not a plain file name` };
  const path = join(dir, name);
  let st: Stats;
  try {
    st = lstatSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { ok: false, missing: code === 'ENOENT', why: code === 'ENOENT' ? 'missing' : `cannot be read (${code})` };
  }
  if (!st.isFile()) return { ok: false, missing: false, why: `is ${kindOf(st)}; verify reads only regular files inside the export` };
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { ok: false, missing: code === 'ENOENT', why: code === 'ELOOP' ? 'is a symbolic link' : `cannot be read (${code})` };
  }
  const now = fstatSync(fd);
  if (!now.isFile() || now.ino !== st.ino || now.dev !== st.dev) {
    closeSync(fd);
    return { ok: false, missing: false, why: 'was replaced while being opened' };
  }
  return { ok: true, fd, size: now.size };
}

export type ReadResult = { ok: true; bytes: Buffer } | { ok: false; missing: boolean; why: string };

/** A whole small file, refused unread when it is larger than `maxBytes`. */
export function readRegular(dir: string, name: string, maxBytes: number): ReadResult {
  const o = openRegular(dir, name);
  if (!o.ok) return o;
  try {
    if (o.size > maxBytes) return { ok: false, missing: false, why: `is ${o.size} bytes, more than the ${maxBytes} it may be; not read` };
    const bytes = Buffer.allocUnsafe(o.size);
    let got = 0;
    while (got < o.size) {
      const n = readSync(o.fd, bytes, got, o.size - got, null);
      if (n === 0) break;
      got += n;
    }
    // A file that grew after fstat: what was checked is what counts; the rest is not read.
    return { ok: true, bytes: bytes.subarray(0, got) };
  } finally {
    closeSync(o.fd);
  }
}
