/** One line for an AWS SDK failure, for people (CLI, console, reports). */
export function describeAwsError(error: unknown): string {
  const e = error as { name?: string; code?: string; message?: string } | undefined;
  if (e?.name === 'QueueDoesNotExist' || e?.name === 'AWS.SimpleQueueService.NonExistentQueue') {
    return 'the queue does not exist';
  }
  if (e?.name === 'CredentialsProviderError') return 'no AWS credentials found';
  if (e?.message === 'Region is missing') return 'no AWS region: pass --region <region> or set AWS_REGION';
  // An endpoint that answers HTTP but not the AWS protocol (e.g. local mode's webhook port instead of its S3 port).
  if ((e as { $response?: unknown })?.$response !== undefined && /Deserialization error/.test(e?.message ?? '')) {
    return 'the endpoint did not answer as this AWS service does (check --endpoint: local mode prints the right one)';
  }
  const message = (e?.message ?? String(error)).split('\n')[0]!.trim();
  return message || e?.code || e?.name || 'unknown error';
}
