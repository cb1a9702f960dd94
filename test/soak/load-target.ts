/**
 * The load test's target (run as a child by load.ts): local mode exactly as `dixa-archiver local` starts it, but
 * with the archiver poller off (concurrency 0), so every job the ingest endpoint queues stays on the queue and in
 * the journal to be counted. Prints one JSON line `{"message":"load target ready",…}`; stops on SIGTERM.
 */
import { configFromEnv } from '../../cli/local/config.ts';
import { startLocal } from '../../cli/local/start.ts';

const local = await startLocal(configFromEnv(process.env), { logFormat: 'json', concurrency: 0 });
process.stdout.write(
  `${JSON.stringify({
    message: 'load target ready',
    webhookUrl: local.webhookUrl,
    sqsEndpoint: local.sqsEndpoint,
    jobQueueUrl: local.jobQueueUrl,
    journalDir: local.journalDir,
  })}\n`,
);
process.once('SIGTERM', () => {
  void local.stop().then(() => process.exit(0));
});
