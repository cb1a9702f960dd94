/**
 * `npm run soak [-- flags]`: the reliability soak (see docs/reliability.md). Progress goes to stderr, the
 * report to stdout; exit 1 when anything was lost, duplicated, corrupted or left half-written, 2 on bad flags.
 */
import { randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';
import { DEFAULT_SOAK_OPTIONS } from './plan.ts';
import { renderReport } from './report.ts';
import { type RunOptions, runSoak } from './run-soak.ts';

const MIB = 1024 * 1024;

const usage = `npm run soak -- [flags]

  --files N            files to archive (default ${DEFAULT_SOAK_OPTIONS.files})
  --webhooks N         webhooks carrying them, each delivered twice (default ${DEFAULT_SOAK_OPTIONS.webhooks})
  --big N              files of --big-mib (default ${DEFAULT_SOAK_OPTIONS.big})
  --max-mib N          largest ordinary file (default ${DEFAULT_SOAK_OPTIONS.maxFileBytes / MIB})
  --big-mib N          size of the big files (default ${DEFAULT_SOAK_OPTIONS.bigFileBytes / MIB})
  --fault-rate R       share of files whose first download(s) fail (default ${DEFAULT_SOAK_OPTIONS.faultRate})
  --missing-rate R     share of files that do not exist (404 → dead-letter queue) (default ${DEFAULT_SOAK_OPTIONS.missingRate})
  --kill N             SIGKILL local mode N times at random points and restart it (default 0)
  --seed S             plan seed (default: random, printed in the report)
  --visibility-timeout S   local mode's VISIBILITY_TIMEOUT_SECONDS: the wait before a failed job is retried (default 30)
  --idle-timeout-ms MS     the archiver's FETCH_IDLE_TIMEOUT_MS (default 2000)
  --drain-timeout-min M    give up waiting for the queue after M minutes (default 60)
  --json               print the report as JSON
  --keep               keep the archive directory afterwards
`;

function parse(argv: string[]): { options: RunOptions; json: boolean } {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      files: { type: 'string' },
      webhooks: { type: 'string' },
      big: { type: 'string' },
      'max-mib': { type: 'string' },
      'big-mib': { type: 'string' },
      'fault-rate': { type: 'string' },
      'missing-rate': { type: 'string' },
      kill: { type: 'string' },
      seed: { type: 'string' },
      'visibility-timeout': { type: 'string' },
      'idle-timeout-ms': { type: 'string' },
      'drain-timeout-min': { type: 'string' },
      json: { type: 'boolean' },
      keep: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(usage);
    process.exit(0);
  }
  const number = (name: keyof typeof values, fallback: number, integer = true) => {
    const raw = values[name];
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (
      typeof raw !== 'string' ||
      raw.trim() === '' ||
      !Number.isFinite(value) ||
      value < 0 ||
      (integer && !Number.isInteger(value))
    )
      throw new Error(
        `--${name} must be a ${integer ? 'non-negative integer' : 'non-negative number'}, not ${JSON.stringify(raw)}`,
      );
    return value;
  };
  const d = DEFAULT_SOAK_OPTIONS;
  return {
    json: values.json === true,
    options: {
      files: number('files', d.files),
      webhooks: number('webhooks', d.webhooks),
      big: number('big', d.big),
      maxFileBytes: number('max-mib', d.maxFileBytes / MIB, false) * MIB,
      bigFileBytes: number('big-mib', d.bigFileBytes / MIB, false) * MIB,
      faultRate: number('fault-rate', d.faultRate, false),
      missingRate: number('missing-rate', d.missingRate, false),
      kills: number('kill', 0),
      seed: number('seed', randomInt(1, 2 ** 31)),
      visibilityTimeoutSeconds: number('visibility-timeout', 30),
      idleTimeoutMs: number('idle-timeout-ms', 2000),
      drainTimeoutMs: number('drain-timeout-min', 60, false) * 60_000,
      keep: values.keep === true,
      progress: (line) => process.stderr.write(`${line}\n`),
    },
  };
}

let parsed: ReturnType<typeof parse>;
try {
  parsed = parse(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`soak: ${(error as Error).message}\n\n${usage}`);
  process.exit(2);
}
try {
  const report = await runSoak(parsed.options);
  process.stdout.write(parsed.json ? `${JSON.stringify(report, null, 2)}\n` : renderReport(report));
  process.exitCode = report.problems.length === 0 ? 0 : 1;
} catch (error) {
  // The run itself broke (not a finding): show where.
  process.stderr.write(`soak: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 2;
}
