/** One line for an AWS SDK failure, for people (CLI, console, reports). */
export function describeAwsError(error: unknown): string {
  const e = error as { name?: string; code?: string; message?: string } | undefined;
  if (e?.name === 'QueueDoesNotExist' || e?.name === 'AWS.SimpleQueueService.NonExistentQueue') {
    return 'the queue does not exist';
  }
  if (e?.name === 'CredentialsProviderError') return 'no AWS credentials found';
  const message = (e?.message ?? String(error)).split('\n')[0]!.trim();
  return message || e?.code || e?.name || 'unknown error';
}
