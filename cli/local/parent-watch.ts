/**
 * Notices that the process which started local mode is gone. `npm start` and `npx dixa-archiver local` run it under
 * `sh -c`: a SIGTERM (or SIGINT) sent to npm alone ends npm and the shell, but nobody passes the signal on, and local
 * mode would run on with no parent, its ports held. The parent's exit shows as a change of our parent process id
 * (we are re-parented), on every platform Node runs on, whichever wrapper started us.
 */
export function onParentExit(callback: () => void, intervalMs = 250): () => void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    callback();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
