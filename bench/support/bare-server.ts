import { createServer } from 'node:http';

/**
 * The ceiling: a bare node:http server that reads and parses the same JSON body Clickstream
 * gets and answers 202 with a body of the same shape — no validation, no log, no framework.
 */
const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      response
        .writeHead(400, { 'content-type': 'application/json' })
        .end('{"code":"INVALID_JSON"}');
      return;
    }
    const events = (body as { events?: unknown[] }).events;
    const answer = Array.isArray(events)
      ? { accepted: events.length, rejected: [] }
      : { accepted: 1, event_id: (body as { event_id?: string }).event_id ?? '' };
    response.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object')
    process.stdout.write(`listening http://127.0.0.1:${address.port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
