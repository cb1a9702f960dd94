/**
 * What archiving 10,000 files costs on AWS, from the measured numbers: the archiver's CPU time and wall time
 * per file (medians of runs at the mix's sizes; other sizes interpolated), the ingest Lambda's CPU time per
 * webhook, and the stack's configured memory and part size. Prices are AWS list prices for us-east-1.
 *
 * Lambda bills configured memory × duration. A function gets CPU in proportion to its memory (1,769 MB = one
 * vCPU), so a duration is modelled as: fixed network waits + the larger of (CPU time measured here ÷ the
 * function's vCPU share) and (bytes ÷ download bandwidth). The waits and the bandwidth cannot be measured on
 * loopback: they are stated assumptions.
 */

export const PRICES = {
  asOf: 'January 2025',
  region: 'us-east-1',
  lambdaArmGbSecond: 0.000_013_333_4,
  lambdaRequest: 0.2 / 1e6,
  sqsRequest: 0.4 / 1e6,
  s3PutRequest: 0.005 / 1000,
  s3GetRequest: 0.0004 / 1000,
  s3StandardGbMonth: 0.023,
  httpApiRequest: 1.0 / 1e6,
} as const;

export const PRICING_PAGES = [
  'https://aws.amazon.com/lambda/pricing/',
  'https://aws.amazon.com/sqs/pricing/',
  'https://aws.amazon.com/s3/pricing/',
  'https://aws.amazon.com/api-gateway/pricing/',
];

/** Lambda: "at 1,769 MB, a function has the equivalent of one vCPU". */
export const MB_PER_VCPU = 1769;

export interface FileClass {
  name: string;
  count: number;
  bytes: number;
}

export const FILE_MIX: FileClass[] = [
  { name: 'chat attachments', count: 8000, bytes: 200_000 },
  { name: 'original e-mails', count: 1500, bytes: 50_000 },
  { name: 'call recordings', count: 500, bytes: 20_000_000 },
];

export const ASSUMPTIONS = {
  /** S3 HEAD of the record + record PUT in-region, TLS connect + redirect + first byte from files.dixa.io. */
  archiverWaitSeconds: 0.15,
  /** Download bandwidth of one archiver invocation from files.dixa.io. */
  downloadBytesPerSecond: 50e6,
  /** SendMessageBatch round trip in-region. */
  ingestWaitSeconds: 0.02,
  /** Every file arrives in a webhook of its own (an upper bound: one message can carry several files). */
  filesPerWebhook: 1,
  /** SQS requests per job: its share of a SendMessageBatch, one ReceiveMessage, one DeleteMessage (upper bound). */
  sqsRequestsPerJob: 3,
  recordBytes: 1000,
};

export interface CostInput {
  archiverMemoryMiB: number;
  ingestMemoryMiB: number;
  partSizeMiB: number;
  /** Archiver CPU seconds on this machine, by file size. */
  archiverCpu: Curve;
  /** Archiver wall seconds on loopback, by file size (reported next to the model, not used by it). */
  archiverWall: Curve;
  ingestCpuSeconds: number;
  mix?: FileClass[];
}

/** Measured (bytes, seconds) points, in any order. */
export type Curve = readonly (readonly [number, number])[];

export interface CostRow {
  item: string;
  quantity: number;
  /** Unit of the quantity: requests, GB-s, GB-month. */
  unit: string;
  unitPrice: number;
  /** The price as the pricing pages state it, e.g. "$0.2 per 1,000,000 requests". */
  price: string;
  cost: number;
}

export interface FileDuration {
  name: string;
  bytes: number;
  loopbackSeconds: number;
  cpuSeconds: number;
  lambdaSeconds: number;
  s3PutRequests: number;
}

export interface CostModel {
  durations: FileDuration[];
  ingestSeconds: number;
  rows: CostRow[];
  /** Everything except storage, for the whole mix (paid once). */
  oneOff: number;
  storageGiB: number;
  storagePerMonth: number;
}

/**
 * The curve's value at x: linear between the measured points, the nearest point's value below the smallest, and
 * the line through the two largest points beyond the largest (time grows with size).
 */
export function interpolate(curve: Curve, x: number): number {
  const points = [...curve].sort((a, b) => a[0] - b[0]);
  const first = points[0];
  if (!first) return Number.NaN;
  if (points.length === 1 || x <= first[0]) return first[1];
  let i = points.findIndex(([px]) => px >= x);
  if (i === -1) i = points.length - 1;
  const [x0, y0] = points[i - 1] as readonly [number, number];
  const [x1, y1] = points[i] as readonly [number, number];
  return Math.max(0, x1 === x0 ? y1 : y0 + ((y1 - y0) * (x - x0)) / (x1 - x0));
}
/** Lambda's "MB" of memory are MiB (1,024 MB = 1 GB of GB-s). */
const vcpuShare = (memoryMiB: number) => Math.min(1, memoryMiB / MB_PER_VCPU);

/** S3 PUT-class requests to archive one file: a single PutObject below the part size, else create + parts + complete; plus the record. */
export function putRequestsPerFile(bytes: number, partSizeMiB: number): number {
  const partBytes = partSizeMiB * 1024 * 1024;
  const upload = bytes < partBytes ? 1 : 2 + Math.ceil(bytes / partBytes);
  return upload + 1;
}

export function costModel(input: CostInput): CostModel {
  const mix = input.mix ?? FILE_MIX;
  const a = ASSUMPTIONS;
  const archiverShare = vcpuShare(input.archiverMemoryMiB);
  const durations = mix.map((file): FileDuration => {
    const cpuSeconds = interpolate(input.archiverCpu, file.bytes);
    return {
      name: file.name,
      bytes: file.bytes,
      loopbackSeconds: interpolate(input.archiverWall, file.bytes),
      cpuSeconds,
      lambdaSeconds:
        a.archiverWaitSeconds + Math.max(cpuSeconds / archiverShare, file.bytes / a.downloadBytesPerSecond),
      s3PutRequests: putRequestsPerFile(file.bytes, input.partSizeMiB),
    };
  });
  const ingestSeconds = a.ingestWaitSeconds + input.ingestCpuSeconds / vcpuShare(input.ingestMemoryMiB);

  const files = mix.reduce((s, f) => s + f.count, 0);
  const webhooks = Math.ceil(files / a.filesPerWebhook);
  const archiverGbSeconds = mix.reduce(
    (s, f, i) => s + f.count * (durations[i] as FileDuration).lambdaSeconds * (input.archiverMemoryMiB / 1024),
    0,
  );
  const ingestGbSeconds = webhooks * ingestSeconds * (input.ingestMemoryMiB / 1024);
  const puts = mix.reduce((s, f, i) => s + f.count * (durations[i] as FileDuration).s3PutRequests, 0);
  const storageGiB = mix.reduce((s, f) => s + f.count * (f.bytes + a.recordBytes), 0) / 1024 ** 3;

  const row = (item: string, quantity: number, unit: string, unitPrice: number, per = 1): CostRow => ({
    item,
    quantity,
    unit,
    unitPrice,
    price: `$${+(unitPrice * per).toPrecision(6)} per ${per === 1 ? unit : `${per.toLocaleString('en-US')} ${unit}`}`,
    cost: quantity * unitPrice,
  });
  const rows = [
    row('API Gateway HTTP API requests (webhooks)', webhooks, 'requests', PRICES.httpApiRequest, 1e6),
    row('Lambda requests (ingest + archiver)', webhooks + files, 'requests', PRICES.lambdaRequest, 1e6),
    row(
      `Lambda ingest compute (${input.ingestMemoryMiB} MB, arm64)`,
      ingestGbSeconds,
      'GB-s',
      PRICES.lambdaArmGbSecond,
    ),
    row(
      `Lambda archiver compute (${input.archiverMemoryMiB} MB, arm64)`,
      archiverGbSeconds,
      'GB-s',
      PRICES.lambdaArmGbSecond,
    ),
    row('SQS requests', files * a.sqsRequestsPerJob, 'requests', PRICES.sqsRequest, 1e6),
    row('S3 PUT-class requests (PutObject, multipart, records)', puts, 'requests', PRICES.s3PutRequest, 1000),
    row('S3 GET-class requests (HEAD: already archived?)', files, 'requests', PRICES.s3GetRequest, 1000),
  ];
  const oneOff = rows.reduce((s, r) => s + r.cost, 0);
  const storage = row('S3 Standard storage (files + records)', storageGiB, 'GB-month', PRICES.s3StandardGbMonth);
  rows.push(storage);
  return { durations, ingestSeconds, rows, oneOff, storageGiB, storagePerMonth: storage.cost };
}
