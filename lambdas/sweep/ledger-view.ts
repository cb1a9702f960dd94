/**
 * What the sweep needs to know about one conversation, from one LIST of `<prefix>/ledger/<csid>/`
 * (docs/storage-layout.md): when it was erased (its tombstones) and which of its files failed for good (failure
 * markers). Read once per conversation per run.
 */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { mapLimit } from '../commons/map-limit.ts';
import { type Archive, listObjects } from '../compliance/archive.ts';
import { type FailureMarker, parseFailureMarker } from '../core/failure-marker.ts';
import { ledgerPrefix } from '../core/keys.ts';

export interface LedgerView {
  /** The latest erasure, ISO time; undefined when the conversation was never erased. */
  erasedAt: string | undefined;
  /** Failure markers by link hash. */
  failures: Map<string, FailureMarker>;
}

const READS_IN_FLIGHT = 4;

export async function readLedgerView(archive: Archive, conversationId: string): Promise<LedgerView> {
  const root = ledgerPrefix(archive.prefix, conversationId);
  const tombstones: string[] = [];
  const failureKeys: string[] = [];
  for await (const object of listObjects(archive, root)) {
    const rest = object.key.slice(root.length);
    if (rest.startsWith('tombstones/')) tombstones.push(object.key);
    else if (rest.startsWith('failures/') && rest.endsWith('.json')) failureKeys.push(object.key);
  }
  const [erasures, markers] = await Promise.all([
    mapLimit(tombstones, READS_IN_FLIGHT, async (key) => erasedAtOf(await readText(archive, key))),
    mapLimit(failureKeys, READS_IN_FLIGHT, async (key) => parseFailureMarker((await readText(archive, key)) ?? '')),
  ]);
  const times = erasures.filter((at): at is string => at !== undefined).sort();
  // A tombstone that cannot be read still says "erased": the safe side is to treat every file as erased.
  const erasedAt = tombstones.length === 0 ? undefined : (times.at(-1) ?? new Date(8.64e15).toISOString());
  const failures = new Map<string, FailureMarker>();
  for (const marker of markers)
    if (marker && marker.conversationId === conversationId) failures.set(marker.linkHash, marker);
  return { erasedAt, failures };
}

/** Whether a file of a message created at `createdAt` is covered by the erasure (no time: the safe side, yes). */
export function isErased(view: LedgerView, createdAt: string | undefined): boolean {
  if (view.erasedAt === undefined) return false;
  if (createdAt === undefined) return true;
  return Date.parse(createdAt) <= Date.parse(view.erasedAt);
}

function erasedAtOf(text: string | undefined): string | undefined {
  try {
    const at = (JSON.parse(text ?? '') as { erasedAt?: unknown }).erasedAt;
    return typeof at === 'string' && !Number.isNaN(Date.parse(at)) ? new Date(at).toISOString() : undefined;
  } catch {
    return undefined;
  }
}

async function readText(archive: Archive, key: string): Promise<string | undefined> {
  try {
    const out = await archive.s3.send(new GetObjectCommand({ Bucket: archive.bucket, Key: key }));
    return await out.Body?.transformToString('utf8');
  } catch (error: unknown) {
    if ((error as Error).name === 'NoSuchKey') return undefined;
    throw error;
  }
}
