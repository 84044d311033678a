import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = resolve(import.meta.dirname, '../..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

describe('licence: one answer everywhere', () => {
  it('LICENSE is the Apache License 2.0, word for word (apache.org/licenses/LICENSE-2.0.txt)', () => {
    // The MD5 of the text the Apache Software Foundation publishes.
    expect(createHash('md5').update(read('LICENSE')).digest('hex')).toBe(
      '3b83ef96387f14655fc854ddc3c6bd57',
    );
  });

  it('package.json, the lock file, the Helm chart and the image labels say Apache-2.0', () => {
    expect(JSON.parse(read('package.json')).license).toBe('Apache-2.0');
    expect(JSON.parse(read('package-lock.json')).packages[''].license).toBe('Apache-2.0');
    expect(
      parse(read('deploy/helm/clickstream/Chart.yaml')).annotations['artifacthub.io/license'],
    ).toBe('Apache-2.0');
    expect(read('Dockerfile')).toMatch(/org\.opencontainers\.image\.licenses="Apache-2\.0"/);
  });
});
