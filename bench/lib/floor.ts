/**
 * The floor: the CPU of the work no archiver can avoid on a file's bytes — SHA-256 of the whole file (for its
 * record), CRC32 of every part (S3's integrity check), and one copy of every byte into a part buffer — measured
 * in the calling process right after its own transfer, on as many bytes, delivered in socket-sized pieces as the
 * download delivers them. The archiver's CPU ÷ this is how close it runs to what hashing and copying cost.
 * (The pieces come from one warm 1 MiB chunk, so the floor does not pay for reading bytes that are cold in cache.)
 */
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { sourceChunk } from './source-server.ts';

/** The size a loopback socket read typically delivers. */
const PIECE = 64 * 1024;
/** TLS's largest record. */
const TLS_RECORD = 16 * 1024;

export function floorCpuSeconds(bytes: number, partSize: number): number {
  const source = sourceChunk();
  const part = Buffer.allocUnsafe(partSize);
  const before = process.cpuUsage();
  const hash = createHash('sha256');
  let filled = 0;
  let crc = 0;
  for (let sent = 0; sent < bytes; ) {
    const at = sent % source.length;
    const piece = source.subarray(at, at + Math.min(PIECE, bytes - sent, source.length - at, partSize - filled));
    hash.update(piece);
    filled += piece.copy(part, filled);
    sent += piece.length;
    if (filled === partSize || sent === bytes) {
      crc = (crc ^ crc32(part.subarray(0, filled))) >>> 0;
      filled = 0;
    }
  }
  const digest = hash.digest('hex');
  const cpu = process.cpuUsage(before);
  if (digest.length !== 64 || crc > 0xffffffff)
    throw new Error('unreachable: keeps the work from being optimized away');
  return (cpu.user + cpu.system) / 1e6;
}

/**
 * What TLS would add per byte in Lambda, where the bench runs plain HTTP on loopback: AES-128-GCM (the cipher
 * TLS 1.3 negotiates first) over the same bytes in record-sized updates, once — one direction; the archiver pays it
 * twice (decrypting the download, encrypting the upload), and so does every baseline. A new cipher per MiB (TLS keeps
 * one context per connection and only changes the nonce per record, which Node's API cannot do).
 */
export function tlsCipherCpuSeconds(bytes: number): number {
  const source = sourceChunk();
  const key = randomBytes(16);
  const before = process.cpuUsage();
  let tags = 0;
  for (let sent = 0; sent < bytes; ) {
    const cipher = createCipheriv('aes-128-gcm', key, randomBytes(12));
    const end = Math.min(bytes, sent + source.length);
    for (; sent < end; sent += TLS_RECORD) {
      const at = sent % source.length;
      cipher.update(source.subarray(at, at + Math.min(TLS_RECORD, end - sent)));
    }
    cipher.final();
    tags += cipher.getAuthTag().length;
  }
  const cpu = process.cpuUsage(before);
  if (tags === 0) throw new Error('unreachable: keeps the work from being optimized away');
  return (cpu.user + cpu.system) / 1e6;
}
