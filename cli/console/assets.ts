/**
 * The browser side (cli/console/web/) bundled in memory at start with esbuild: one script and one stylesheet, served
 * by the console itself (nothing from another origin; it works offline). No build step and nothing generated in git.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export interface Asset {
  type: string;
  body: Uint8Array;
}

export interface Assets {
  page: string;
  /** `app.js`, `app.css` → contents. */
  files: Map<string, Asset>;
}

const WEB = fileURLToPath(new URL('./web/', import.meta.url));
const TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

export async function buildAssets(): Promise<Assets> {
  const [page, bundle] = await Promise.all([
    readFile(`${WEB}index.html`, 'utf8'),
    build({
      entryPoints: { app: `${WEB}main.ts` },
      bundle: true,
      minify: true,
      format: 'esm',
      target: 'es2022',
      write: false,
      outdir: '/assets',
      logLevel: 'silent',
    }),
  ]);
  const files = new Map<string, Asset>();
  for (const output of bundle.outputFiles) {
    const name = basename(output.path);
    files.set(name, {
      type: TYPES[name.slice(name.lastIndexOf('.'))] ?? 'application/octet-stream',
      body: output.contents,
    });
  }
  return { page, files };
}
