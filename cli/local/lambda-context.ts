/**
 * Invoking the handlers locally as Lambda does. Local mode runs many invocations at once in one process — as Lambda
 * Managed Instances run concurrent invocations in one execution environment — so each runs inside its own
 * `InvokeStore` context (the runtime's AsyncLocalStorage, which Powertools reads when AWS_LAMBDA_MAX_CONCURRENCY is
 * set): a log line carries the request id, function name and cold start of the invocation that wrote it, never of
 * one that happened to start later.
 */
import { randomUUID } from 'node:crypto';
import { InvokeStore, InvokeStoreBase } from '@aws/lambda-invoke-store';
import type { Context } from 'aws-lambda';

export type LocalFunction = 'ingest' | 'archiver';

/**
 * What Lambda's runtime sets before the handler modules load (Powertools reads them when its logger is created).
 * `concurrency` is the most invocations local mode runs at once.
 */
export function runtimeEnvironment(concurrency: number): Record<string, string> {
  return { AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand', AWS_LAMBDA_MAX_CONCURRENCY: String(concurrency) };
}

/**
 * Creates the runtime's multi-invocation store. Call it before anything else in the process asks for one (the AWS
 * SDK does, on its first request): the first caller decides the kind for the whole process.
 */
export async function startInvokeStore(): Promise<void> {
  await InvokeStore.getInstanceAsync(true);
}

/** Runs one invocation of `name`'s handler in a context of its own, with `timeoutMs` before its deadline. */
export async function invoke<T>(
  name: LocalFunction,
  timeoutMs: number,
  handler: (context: Context) => Promise<T>,
): Promise<T> {
  const store = await InvokeStore.getInstanceAsync(true);
  const context = lambdaContext(name, timeoutMs);
  return store.run({ [InvokeStoreBase.PROTECTED_KEYS.REQUEST_ID]: context.awsRequestId }, () => handler(context));
}

export function lambdaContext(name: LocalFunction, timeoutMs: number): Context {
  const deadline = Date.now() + timeoutMs;
  const functionName = `dixa-archiver-local-${name}`;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION ?? 'us-east-1'}:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
