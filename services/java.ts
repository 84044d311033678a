import { join } from 'node:path';
import { runCommand } from './command.js';
import { ServicesError } from './types.js';

/** CLICKSTREAM_SERVICES_JAVA_HOME, else JAVA_HOME, else `java` from PATH. */
export function resolveJava(env: NodeJS.ProcessEnv = process.env): string {
  const home = env['CLICKSTREAM_SERVICES_JAVA_HOME'] ?? env['JAVA_HOME'];
  return home === undefined || home === '' ? 'java' : join(home, 'bin', 'java');
}

const majorByBinary = new Map<string, Promise<number>>();

export function javaMajorVersion(javaBin: string): Promise<number> {
  let pending = majorByBinary.get(javaBin);
  if (pending === undefined) {
    pending = readMajorVersion(javaBin);
    majorByBinary.set(javaBin, pending);
  }
  return pending;
}

async function readMajorVersion(javaBin: string): Promise<number> {
  let output: string;
  try {
    const result = await runCommand(javaBin, ['-version'], { timeoutMs: 20_000 });
    output = result.stderr + result.stdout;
  } catch (error) {
    throw new ServicesError(
      `cannot run ${javaBin} (${(error as Error).message}); install a JDK 17`,
    );
  }
  // `openjdk version "17.0.15"` or, for Java 8, `"1.8.0_392"`.
  const match = /version "(?:1\.)?(\d+)/.exec(output);
  if (match?.[1] === undefined)
    throw new ServicesError(`cannot read the Java version from: ${output}`);
  return Number(match[1]);
}

/** Kafka 4.x brokers need Java 17+; Cassandra 5.0 supports exactly Java 11 and 17. */
export async function assertJava(
  javaBin: string,
  service: string,
  accepts: (major: number) => boolean,
  want: string,
): Promise<void> {
  const major = await javaMajorVersion(javaBin);
  if (!accepts(major)) {
    throw new ServicesError(
      `${service} needs Java ${want} but ${javaBin} is Java ${major}; ` +
        'point CLICKSTREAM_SERVICES_JAVA_HOME at a JDK 17',
    );
  }
}
