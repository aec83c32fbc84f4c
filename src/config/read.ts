/**
 * Reading the rules file's bytes: a size cap checked before reading, and strict UTF-8 decoding,
 * so a wrong file or a wrong encoding is one clear error instead of garbage for the YAML parser.
 */
import { open } from 'node:fs/promises';
import type { ConfigDiagnostic } from './errors.js';

/** Largest rules file accepted. Real ones are a few kilobytes; this leaves room for generated files. */
export const MAX_RULES_FILE_BYTES = 1024 * 1024;

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** The message for a rules file over MAX_RULES_FILE_BYTES. */
export function tooLargeMessage(bytes: number): string {
  return (
    `the rules file is ${mib(bytes)} (${bytes} bytes), over the limit of ${mib(MAX_RULES_FILE_BYTES)} ` +
    `(${MAX_RULES_FILE_BYTES} bytes); a rules file is a few kilobytes: is this the right file?`
  );
}

function whole(file: string, message: string, line = 1, column = 1): ConfigDiagnostic {
  return { file, line, column, path: '', message, severity: 'error' };
}

/** Offset of the first byte that is not part of a well-formed UTF-8 sequence, or -1. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    // Lead byte: sequence length and the allowed range of the second byte (no overlongs, no
    // surrogates, nothing above U+10FFFF), as in the Unicode standard's table 3-7.
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) n = 2;
    else if (b >= 0xe0 && b <= 0xef) {
      n = 3;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      n = 4;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k < n; k++) {
      const c = bytes[i + k];
      if (c === undefined || c < (k === 1 ? lo : 0x80) || c > (k === 1 ? hi : 0xbf)) return i;
    }
    i += n;
  }
  return -1;
}

/** 1-based line and column (in UTF-16 code units, as the YAML positions are) of a byte offset. */
function lineColumn(bytes: Uint8Array, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      start = i + 1;
    }
  }
  // The bytes before the offset on its line are valid UTF-8 (the offset is the first bad byte).
  const before = new TextDecoder('utf-8').decode(bytes.subarray(start, offset));
  return { line, column: before.length + 1 };
}

const hex = (b: number) => `0x${b.toString(16).toUpperCase().padStart(2, '0')}`;

/** The file's text, or the encoding error that stops it from being read. */
export function decodeRulesFile(bytes: Uint8Array, file: string): { text: string } | { error: ConfigDiagnostic } {
  const starts = (...prefix: number[]) => prefix.every((b, i) => bytes[i] === b);
  const utf8 = 'save it as UTF-8';
  if (starts(0x00, 0x00, 0xfe, 0xff) || starts(0xff, 0xfe, 0x00, 0x00)) {
    return { error: whole(file, `the rules file is UTF-32 (it starts with a UTF-32 byte order mark); ${utf8}`) };
  }
  if (starts(0xfe, 0xff) || starts(0xff, 0xfe)) {
    const order = bytes[0] === 0xff ? 'little-endian' : 'big-endian';
    return {
      error: whole(file, `the rules file is UTF-16 ${order} (it starts with a UTF-16 byte order mark); ${utf8}`),
    };
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    const { line, column } = lineColumn(bytes, nul);
    return {
      error: whole(
        file,
        `the rules file contains a NUL byte (byte offset ${nul}): it is binary, or UTF-16/UTF-32 without a byte order mark; ${utf8}`,
        line,
        column,
      ),
    };
  }
  try {
    // fatal: a bad byte is an error, not a silent U+FFFD that would then be copied into names.
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    const at = firstInvalidUtf8(bytes);
    const { line, column } = lineColumn(bytes, Math.max(0, at));
    return {
      error: whole(
        file,
        `the rules file is not valid UTF-8: byte ${hex(bytes[at] ?? 0)} at byte offset ${at} does not belong to a UTF-8 character (is it Latin-1 or Windows-1252?); ${utf8}`,
        line,
        column,
      ),
    };
  }
}

/**
 * The rules file's text. The size is checked before reading, so a huge file costs nothing; a file
 * that grows while being read is cut at the limit and refused all the same.
 */
export async function readRulesFile(file: string): Promise<{ text: string } | { error: ConfigDiagnostic }> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    return { error: whole(file, `cannot read the rules file: ${reason(err)}`) };
  }
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) return { error: whole(file, 'cannot read the rules file: it is a directory') };
    if (stat.size > MAX_RULES_FILE_BYTES) return { error: whole(file, tooLargeMessage(stat.size)) };
    // One byte more than the limit tells a file over it (a pipe or a growing file) from one at it.
    const buf = new Uint8Array(MAX_RULES_FILE_BYTES + 1);
    let got = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buf, got, buf.length - got, null);
      if (bytesRead === 0) break;
      got += bytesRead;
      if (got === buf.length) break;
    }
    if (got > MAX_RULES_FILE_BYTES) return { error: whole(file, tooLargeMessage(Math.max(got, stat.size))) };
    return decodeRulesFile(buf.subarray(0, got), file);
  } catch (err) {
    return { error: whole(file, `cannot read the rules file: ${reason(err)}`) };
  } finally {
    await handle.close();
  }
}

const ERRNO: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a parent is not a directory',
  ELOOP: 'too many symbolic links',
};

/** `ENOENT: no such file` for a file-system error; the error's own message otherwise. */
export function errnoText(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  return code && ERRNO[code] ? `${code}: ${ERRNO[code]}` : (err as Error).message;
}

function reason(err: unknown): string {
  return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : errnoText(err);
}
