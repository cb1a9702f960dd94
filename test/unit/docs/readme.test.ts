/**
 * The README is a user's document: short, every link resolves, every command it shows can be pasted as it is. The
 * commands themselves run in test/e2e/readme-*.test.ts; this file checks what a reader would trip over first.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const DOCS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function anchors(markdown: string): Set<string> {
  const found = new Set<string>();
  for (const [, heading] of markdown.matchAll(/^#{1,6} (.+)$/gm)) {
    const slug = heading!
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, '')
      .replace(/ /g, '-');
    found.add(slug);
  }
  return found;
}

/** The lines of fenced code blocks (commands and transcripts). */
function codeLines(markdown: string): string[] {
  const lines: string[] = [];
  let inFence = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) inFence = !inFence;
    else if (inFence) lines.push(line);
  }
  return lines;
}

describe('README', () => {
  it('stays a short user document', () => {
    expect(read('README.md').split('\n').length).toBeLessThan(500);
  });

  it.each(DOCS)('%s: every relative link points to a file and heading that exist', (path) => {
    const text = read(path);
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target!)) continue; // https:, mailto:
      const [file, anchor] = target!.split('#');
      const linked = file ? join(dirname(path), file) : path;
      expect(() => read(linked), `${path} links to ${target}`).not.toThrow();
      if (anchor && linked.endsWith('.md')) {
        expect(anchors(read(linked)), `${path} links to ${target}`).toContain(anchor);
      }
    }
  });

  it.each(DOCS)('%s: every dixa-archiver command can be pasted (npx, valid shell assignments)', (path) => {
    for (const line of codeLines(read(path))) {
      // `dixa-archiver …` alone only works where the package is installed globally; the docs say `npx`.
      expect(line, `${path}: ${line}`).not.toMatch(/^(\$ )?dixa-archiver /);
      // `A=B=url` sets A to "B=url": never what was meant.
      expect(line, `${path}: ${line}`).not.toMatch(/(^|\s)[A-Z][A-Z0-9_]*=[A-Z][A-Z0-9_]*=/);
    }
    expect(read(path)).not.toMatch(/`[A-Z][A-Z0-9_]*=[A-Z][A-Z0-9_]*=/);
  });

  it('npm run synth keeps the CDK CLI quiet as the README says (telemetry off in cdk.json, --no-notices)', () => {
    const cdk = JSON.parse(read('cdk.json')) as { context: Record<string, unknown> };
    expect(cdk.context['cli-telemetry']).toBe(false);
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    expect(pkg.scripts.synth).toContain('--no-notices');
    expect(read('README.md')).toContain('telemetry is off in\n`cdk.json`');
  });

  it('states the supported Node.js versions once, as package.json has them', () => {
    const pkg = JSON.parse(read('package.json')) as {
      engines: { node: string };
      devDependencies: Record<string, string>;
      allowScripts: Record<string, boolean>;
    };
    const installer = /^>=(\d+\.\d+)$/.exec(pkg.engines.node)![1];
    const runtime = pkg.devDependencies.node!;
    expect(pkg.allowScripts[`node@${runtime}`]).toBe(true); // else npm 11 skips the install of the binary
    const readme = read('README.md');
    const statements = readme.match(/Node\.js \d+(\.\d+)? or later/g) ?? [];
    expect(new Set(statements)).toEqual(new Set([`Node.js ${installer} or later`]));
    expect(readme).toContain(`the project itself runs on Node.js ${runtime.split('.')[0]}`);
    expect(process.versions.node.split('.')[0]).toBe(runtime.split('.')[0]); // and this test does
  });
});
