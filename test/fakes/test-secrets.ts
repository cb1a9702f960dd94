/**
 * The secrets the test suites hand to the code under test: Dixa API tokens (sent as
 * `Authorization: Basic base64("bearer:" + token)`) and webhook signing secrets. The leak check
 * (test/leak-check/setup.ts) fails any test run whose output contains one of them.
 *
 * New suites: import a constant from here. Suites with their own literal are listed in LEGACY_TEST_SECRETS so
 * the check knows them too (test/leak-check/registry.test.ts fails when a suite adds a token or secret literal
 * that is in neither list).
 */

export const SOAK_API_TOKEN = 'soak-api-token-7f3a9c21';
export const SOAK_WEBHOOK_SECRET = '9d8c7b6a5f4e3d2c1b0a99887766554433221100ffeeddccbbaa998877665544';
export const SWEEP_API_TOKEN = 'sweep-api-token-5c1e';
export const PERSON_API_TOKEN = 'person-api-token-2b9d';
export const FOLLOWER_API_TOKEN = 'follower-api-token-93d0';
/** The files host's token in test/unit/archiver/hold-on-arrival.test.ts. */
export const HOLD_ARRIVAL_API_TOKEN = 'hold-arrival-token-6e2f';
export const LOAD_WEBHOOK_SECRET = 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90';
/** Webhook secrets of a rotation (test/unit/ingest/rotation.test.ts): the one being retired and its successor. */
export const ROTATION_OLD_SECRET = '0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9';
export const ROTATION_NEW_SECRET = 'f9e8d7c6b5a4938271605f4e3d2c1b0af9e8d7c6b5a4938271605f4e3d2c1b0a';
/** A Secrets Manager value that is not JSON: nothing of it may reach a log or a dead letter (issue 16, item 7). */
export const MALFORMED_SECRET_TOKEN = 'malformed-secret-tok-5d21';
export const MALFORMED_SECRET_TEXT = `apiToken=${MALFORMED_SECRET_TOKEN}; webhookSecret=${ROTATION_NEW_SECRET}`;

/** Literal tokens and secrets of suites written before this file, with where they live. */
export const LEGACY_TEST_SECRETS: readonly string[] = [
  '5e6f7a8b9c0d1e2f30415263748596a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d', // test/e2e/helpers.ts WEBHOOK_SECRET
  '6b1f0e5d2c3a49788a1b2c3d4e5f60718293a4b5c6d7e8f90123456789abcdef', // test/fixtures/apigw/webhook-event.ts
  '00112233445566778899aabbccddeeff', // test/unit/local/sign.test.ts
  'fake-dixa-token', // test/fakes/files-server.ts default token
  'e2e-api-token', // test/e2e/local-mode.test.ts
  'restart-token', // test/e2e/restart.test.ts
  'test-api-token', // test/integration/ingest.test.ts, test/unit/ingest/harness.ts
  'test-token', // test/integration/archiver-harness.ts
  'rotated-token', // test/integration/archiver.test.ts
  'a-token-we-do-not-have', // test/integration/archiver.test.ts
  'integration-token', // test/integration/backfill.test.ts
  'revoked-token', // test/integration/backfill.test.ts
  'e2e-token', // test/integration/backfill-e2e.test.ts
  'unit-test-token', // test/unit/backfill/dixa-client.test.ts
  'wrong-token', // test/unit/backfill/dixa-client.test.ts
  'unit-secret-token-4711', // test/unit/archiver/handler.test.ts
  'fetch-token', // test/unit/archiver/fetch-file.test.ts
  'bench-token', // bench/archiver-memory.ts
  'zz-secret-zz', // test/unit/local/config.test.ts (an invalid DIXA_WEBHOOK_SECRET)
];

/** Everything the leak check looks for, literally. */
export const KNOWN_TEST_SECRETS: readonly string[] = [
  SOAK_API_TOKEN,
  SWEEP_API_TOKEN,
  PERSON_API_TOKEN,
  FOLLOWER_API_TOKEN,
  HOLD_ARRIVAL_API_TOKEN,
  SOAK_WEBHOOK_SECRET,
  LOAD_WEBHOOK_SECRET,
  ROTATION_OLD_SECRET,
  ROTATION_NEW_SECRET,
  MALFORMED_SECRET_TOKEN,
  ...LEGACY_TEST_SECRETS,
];
