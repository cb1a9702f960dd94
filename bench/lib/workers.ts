/**
 * The measured processes run bundled JavaScript, as the Lambdas do: each worker is bundled by esbuild with the
 * settings CDK uses for the functions (minified ESM, ESM builds of dependencies preferred, a `require` shim)
 * and started with plain `node`. Run through tsx instead, the same code needs ~40 MiB more RSS (the TypeScript
 * loader and hundreds of separate modules), which would be counted as the archiver's.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { BANNER } from '../ingest-bundle.ts';

const ENTRIES = {
  /** bench/archiver-memory.ts's `--worker`: the real `archiveFile`. */
  archiver: '../archiver-memory.ts',
  transfer: '../transfer-worker.ts',
  ingest: '../ingest-cpu.ts',
  smallFiles: '../small-files.ts',
} as const;

export type WorkerName = keyof typeof ENTRIES;

export interface Workers {
  path: Record<WorkerName, string>;
  /** The workers' directory (removed with them): room for their input files. */
  dir: string;
  remove(): void;
}

export async function buildWorkers(): Promise<Workers> {
  // Inside node_modules, so what stays outside the bundle (s3rver, loaded at run time) resolves as usual.
  mkdirSync('node_modules/.cache', { recursive: true });
  const dir = mkdtempSync('node_modules/.cache/dixa-bench-workers-');
  try {
    await build({
      entryPoints: Object.fromEntries(
        Object.entries(ENTRIES).map(([name, entry]) => [name, fileURLToPath(new URL(entry, import.meta.url))]),
      ),
      outdir: dir,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'node',
      target: `node${process.versions.node.split('.')[0]}`,
      mainFields: ['module', 'main'],
      banner: { js: BANNER },
      logLevel: 'error',
    });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const path = Object.fromEntries(Object.keys(ENTRIES).map((name) => [name, join(process.cwd(), dir, `${name}.mjs`)]));
  return {
    path: path as Record<WorkerName, string>,
    dir: join(process.cwd(), dir),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
