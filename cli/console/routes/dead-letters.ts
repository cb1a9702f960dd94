/**
 * Failed files: the dead-letter queue summarized by reason, and a redrive once confirmed (redrive.ts, as `redrive`
 * with an archive named: jobs of erased conversations are counted, then dropped instead of moved).
 */
import { Hono } from 'hono';
import * as v from 'valibot';
import { UsageError } from '../../../lambdas/commons/errors.ts';
import {
  erasedJobCheck,
  explainSqsErrors,
  redrive,
  summarizeDeadLetters,
} from '../../../lambdas/compliance/redrive.ts';
import type { ConsoleDeps, ConsoleEnv } from '../app.ts';
import { readJson } from './input.ts';

const RedriveRequest = v.strictObject({ expected: v.pipe(v.number(), v.integer(), v.minValue(1)) });

export function deadLetterRoutes(deps: ConsoleDeps) {
  const app = new Hono<ConsoleEnv>();

  app.get('/dead-letters', async (c) => {
    const target = deps.deadLetters;
    if (!target) return c.json({ configured: false });
    const summary = await explainSqsErrors(() =>
      summarizeDeadLetters(target.sqs, target.dlqUrl, {
        waitSeconds: target.local ? 0 : 1,
        isErased: erasedJobCheck(deps.archive),
      }),
    );
    return c.json({ configured: true, dlqUrl: target.dlqUrl, queueUrl: target.queueUrl ?? null, summary });
  });

  app.post('/dead-letters/redrive', async (c) => {
    const target = deps.deadLetters;
    if (!target) throw new UsageError('no dead-letter queue was given (start the console with --dlq-url)');
    if (!target.queueUrl) throw new UsageError('no job queue was given (start the console with --queue-url)');
    const { expected } = await readJson(c, RedriveRequest);
    const queueUrl = target.queueUrl;
    const result = await explainSqsErrors(() =>
      redrive(target.sqs, target.dlqUrl, queueUrl, {
        local: target.local,
        limit: expected,
        isErased: erasedJobCheck(deps.archive),
      }),
    );
    deps.log(
      `redrive: moved ${result.moved} job(s) back to the job queue (${result.method}); dropped ${result.droppedErased} of erased conversations`,
    );
    return c.json(result);
  });
  return app;
}
