/**
 * The console's HTTP application: the gate (security.ts) in front of everything, the page and its assets, and a
 * small JSON API whose every route is a thin face on a compliance module (lambdas/compliance). Nothing here lists,
 * verifies, exports, erases or redrives by itself.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { UsageError, UserError } from '../../lambdas/commons/errors.ts';
import { PersonHeldError } from '../../lambdas/compliance/erasure-request.ts';
import { ConversationHeldError } from '../../lambdas/compliance/holds.ts';
import type { EndUserDirectory } from '../../lambdas/compliance/people.ts';
import type { S3Target } from '../shared/s3-target.ts';
import type { Assets } from './assets.ts';
import type { Jobs } from './jobs.ts';
import { deadLetterRoutes } from './routes/dead-letters.ts';
import { eraseRoutes } from './routes/erase.ts';
import { exportRoutes } from './routes/export.ts';
import { fileRoutes } from './routes/files.ts';
import { findRoutes } from './routes/find.ts';
import { holdRoutes } from './routes/holds.ts';
import { overviewRoutes } from './routes/overview.ts';
import { peopleRoutes } from './routes/people.ts';
import { reportRoutes } from './routes/reports.ts';
import { verifyRoutes } from './routes/verify.ts';
import { type Gatekeeper, type Session, securityHeaders } from './security.ts';

export interface DeadLetterTarget {
  sqs: SQSClient;
  queueUrl: string | undefined;
  dlqUrl: string;
  /** Local mode's SQS emulator has no message move tasks: jobs are moved one by one. */
  local: boolean;
}

export interface ConsoleDeps {
  archive: S3Target;
  deadLetters?: DeadLetterTarget | undefined;
  /** Dixa's end-user API for person searches; without it the archive's own people index is searched alone. */
  dixa?: EndUserDirectory | undefined;
  jobs: Jobs;
  assets: Assets;
  /**
   * Who is acting, for what `recordedIn` records (a receipt, a hold event): the AWS caller, or the local user in local
   * mode. When it cannot be told, a UserError ends with `nothingDone`.
   */
  whoAmI: (recordedIn: string, nothingDone: string) => Promise<string>;
  /** One line for the terminal the console runs in (never personal data). */
  log: (message: string) => void;
}

export type ConsoleEnv = { Variables: { session: Session } };

const MAX_BODY_BYTES = 64 * 1024;

export function createApp(deps: ConsoleDeps, gate: Gatekeeper): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>();
  app.use(securityHeaders());
  app.use(gate.middleware());
  app.use(bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => c.json({ error: 'request body too large' }, 413) }));

  app.get('/', (c) => c.html(deps.assets.page));
  app.get('/assets/:name', (c) => {
    const asset = deps.assets.files.get(c.req.param('name'));
    if (!asset) return c.json({ error: 'no such asset' }, 404);
    return c.body(asset.body as Uint8Array<ArrayBuffer>, 200, { 'Content-Type': asset.type });
  });
  app.get('/api/session', (c) =>
    c.json({
      csrf: c.get('session').csrf,
      bucket: deps.archive.bucket,
      prefix: deps.archive.prefix,
      local: deps.archive.local,
      features: { deadLetters: Boolean(deps.deadLetters), people: true, dixa: Boolean(deps.dixa) },
    }),
  );

  app.route('/api', findRoutes(deps));
  app.route('/api', peopleRoutes(deps));
  app.route('/api', fileRoutes(deps));
  app.route('/api', verifyRoutes(deps));
  app.route('/api', exportRoutes(deps));
  app.route('/api', eraseRoutes(deps));
  app.route('/api', holdRoutes(deps));
  app.route('/api', deadLetterRoutes(deps));
  app.route('/api', overviewRoutes(deps));
  app.route('/api', reportRoutes(deps));

  app.notFound((c) => c.json({ error: 'not found' }, 404));
  app.onError((error, c) => {
    // A legal hold refused the erasure: the page names the matters and points at the Legal holds page.
    if (error instanceof ConversationHeldError) {
      return c.json({ error: error.message, conversationId: error.conversationId, heldBy: error.matters }, 409);
    }
    if (error instanceof PersonHeldError) return c.json({ error: error.message, held: error.held }, 409);
    if (error instanceof UsageError) return c.json({ error: error.message }, 400);
    if (error instanceof UserError) return c.json({ error: error.message }, 422);
    return c.json({ error: `unexpected error: ${error.message}` }, 500);
  });
  return app;
}
