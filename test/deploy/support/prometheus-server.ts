import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { requireProgram } from './tools.js';

export interface PrometheusServer {
  url: string;
  logs: string[];
  /** GET /api/v1/<path>; throws with Prometheus's error text when the answer is not a success. */
  api(path: string, params?: Record<string, string>): Promise<PromResponse>;
  stop(): Promise<void>;
}

export interface PromResponse {
  status: 'success' | 'error';
  data: any;
  error?: string;
  errorType?: string;
}

/** A free loopback port: the kernel picks one, we release it for Prometheus to take. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/**
 * Runs Debian's prometheus on 127.0.0.1 with the given configuration and a storage folder of its
 * own, and resolves once /-/ready answers. Nothing listens beyond loopback.
 */
export async function startPrometheus(
  dir: string,
  config: string,
  timeoutMs = 30_000,
): Promise<PrometheusServer> {
  const binary = requireProgram(
    'prometheus',
    'Install it with `apt-get install -y prometheus` (Debian package; .ci/run does this).',
  );
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(configFile, config);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    binary,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const logs: string[] = [];
  child.stdout.on('data', (chunk: Buffer) => logs.push(chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => logs.push(chunk.toString()));
  const exited = once(child, 'exit');

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`prometheus exited with ${child.exitCode}:\n${logs.join('')}`);
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline)
      throw new Error(`prometheus not ready in ${timeoutMs} ms:\n${logs.join('')}`);
    await new Promise((r) => setTimeout(r, 200));
  }

  return {
    url,
    logs,
    async api(path, params = {}) {
      const response = await fetch(
        `${url}/api/v1/${path}?${new URLSearchParams(params).toString()}`,
      );
      const body = (await response.json()) as PromResponse;
      if (body.status !== 'success')
        throw new Error(`${path} ${JSON.stringify(params)}: ${body.errorType}: ${body.error}`);
      return body;
    },
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
