import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './prometheus-server.js';
import { requireProgram, ROOT } from './tools.js';

export interface Gateway {
  url: string;
  port: number;
  logs(): string;
  stop(): Promise<void>;
}

/**
 * docker-compose's gateway, deploy/compose/gateway.conf as it is, run by Debian's nginx on
 * loopback: only the listen port and the two upstream addresses (compose service names) change.
 */
export async function startGateway(
  dir: string,
  upstreams: { ingest: string; query: string },
): Promise<Gateway> {
  const nginx = requireProgram(
    'nginx',
    'Install it with `apt-get install -y nginx-light` (Debian package; scripts/test-prerequisites.sh does this).',
  );
  const port = await freePort();
  const source = readFileSync(join(ROOT, 'deploy/compose/gateway.conf'), 'utf8');
  const site = source
    .replace(/^\s*resolver .*$/m, '')
    .replace('listen 8080;', `listen 127.0.0.1:${port};`)
    .replace('http://ingest:8080', `http://${upstreams.ingest}`)
    .replace('http://query:8080', `http://${upstreams.query}`);
  if (
    site.includes('ingest:8080') ||
    site.includes('query:8080') ||
    !site.includes(`listen 127.0.0.1:${port};`)
  ) {
    throw new Error('gateway.conf changed shape: update test/deploy/support/nginx-gateway.ts');
  }
  for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'])
    mkdirSync(join(dir, sub), { recursive: true });
  writeFileSync(join(dir, 'gateway.conf'), site);
  writeFileSync(
    join(dir, 'nginx.conf'),
    `
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
${process.getuid?.() === 0 ? 'user root;' : ''}
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  include ${dir}/gateway.conf;
}
`,
  );
  const child = spawn(nginx, ['-p', dir, '-c', join(dir, 'nginx.conf')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = once(child, 'exit');
  const url = `http://127.0.0.1:${port}`;
  const logs = () =>
    `${output.join('')}${readFileSync(join(dir, 'error.log'), { encoding: 'utf8', flag: 'a+' })}`;
  const deadline = Date.now() + 10_000;
  while (
    !(await fetch(`${url}/gateway/healthz`).then(
      (r) => r.ok,
      () => false,
    ))
  ) {
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`nginx did not start:\n${logs()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    port,
    logs,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGQUIT');
        await exited;
      }
    },
  };
}
