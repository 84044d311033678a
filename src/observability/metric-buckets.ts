/**
 * Histogram buckets shared by the metrics, in base units (seconds, bytes, counts). One list per
 * kind keeps dashboards comparable: a p99 of the log and of the store are read on the same scale.
 */
export const LATENCY_SECONDS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** Request bodies: one event is a few hundred bytes; BODY_LIMIT_BYTES defaults to 1 MiB. */
export const SIZE_BYTES = [128, 512, 2048, 8192, 32_768, 131_072, 524_288, 2_097_152, 8_388_608];

/** Events per ingest request and records per processor batch (MAX_BATCH_EVENTS, PROCESSOR_BATCH_SIZE). */
export const BATCH_COUNTS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000];
