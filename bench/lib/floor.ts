/**
 * The floor: the CPU of the work no archiver can avoid on a file's bytes — SHA-256 of the whole file (for its
 * record), CRC32 of every part (S3's integrity check), and one copy of every byte into a part buffer — measured
 * in the calling process right after its own transfer, on as many bytes, delivered in socket-sized pieces as the
 * download delivers them. The archiver's CPU ÷ this is how close it runs to what hashing and copying cost.
 * (The pieces come from one warm 1 MiB chunk, so the floor does not pay for reading bytes that are cold in cache.)
 */
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { sourceChunk } from './source-server.ts';

/** The size a loopback socket read typically delivers. */
const PIECE = 64 * 1024;

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
