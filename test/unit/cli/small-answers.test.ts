/**
 * The one-line answers a newcomer meets first: the version, a missing region, an endpoint that is not S3, the
 * files git should not see.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeAwsError } from '../../../lambdas/commons/aws-errors.ts';
import { cli } from '../../integration/compliance-fixture.ts';

const ROOT = resolve(import.meta.dirname, '../../..');

describe('dixa-archiver --version', () => {
  it('prints the package version and the Node.js it runs on, exit 0', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-v']) {
      const run = await cli(flag);
      expect(run).toMatchObject({ code: 0, stdout: `dixa-archiver ${version} (Node.js ${process.versions.node})\n` });
    }
  });
});

describe('AWS answers a person can act on', () => {
  it('a missing region names --region and AWS_REGION', () => {
    expect(describeAwsError(new Error('Region is missing'))).toBe(
      'no AWS region: pass --region <region> or set AWS_REGION',
    );
  });

  let server: ReturnType<typeof createServer>;
  let endpoint: string;
  beforeAll(async () => {
    // What answers on local mode's webhook port: JSON, not S3's XML.
    server = createServer((_req, res) =>
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}'),
    );
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => server.close());

  it('an --endpoint that is not S3 (a wrong port) is named as such, not as an XML parse error', async () => {
    const run = await cli('list', '--conversation', '1042', '--endpoint', endpoint);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'dixa-archiver: s3://dixa-archive: the endpoint did not answer as this AWS service does ' +
        '(check --endpoint: local mode prints the right one)\n',
    );
  });
});

describe('.gitignore', () => {
  it("keeps the backfill's progress file and local mode's archive out of git", () => {
    for (const path of ['.dixa-backfill-state.json', '.dixa-archive/s3/x']) {
      expect(execFileSync('git', ['check-ignore', path], { cwd: ROOT, encoding: 'utf8' }).trim()).toBe(path);
    }
  });
});
