import type { Socket } from 'node:net';
import { connect } from 'node:net';

/**
 * Just enough of the CQL native protocol (v4) to run one query without a driver: STARTUP, then
 * QUERY, then decode a ROWS result. Used to prove a Cassandra node really serves CQL.
 */

const REQUEST_VERSION = 0x04;
const HEADER_BYTES = 9;
const OPCODE = {
  error: 0x00,
  startup: 0x01,
  ready: 0x02,
  authenticate: 0x03,
  query: 0x07,
  result: 0x08,
} as const;
const CONSISTENCY_ONE = 0x0001;
const RESULT_ROWS = 0x0002;

export type CqlCell = string | null;

interface Frame {
  readonly opcode: number;
  readonly body: Buffer;
}

export async function cqlQuery(
  host: string,
  port: number,
  cql: string,
  timeoutMs = 10_000,
): Promise<CqlCell[][]> {
  const connection = await CqlConnection.open(host, port, timeoutMs);
  try {
    await connection.request(
      OPCODE.startup,
      encodeStringMap({ CQL_VERSION: '3.0.0' }),
      OPCODE.ready,
    );
    const body = await connection.request(OPCODE.query, encodeQuery(cql), OPCODE.result);
    return decodeRows(new Reader(body));
  } finally {
    connection.close();
  }
}

class CqlConnection {
  private buffer = Buffer.alloc(0);
  private waiter: { resolve: (frame: Frame) => void; reject: (error: Error) => void } | undefined;
  private failure: Error | undefined;
  private nextStream = 0;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.deliver();
    });
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(new Error('connection closed by server')));
  }

  static open(host: string, port: number, timeoutMs: number): Promise<CqlConnection> {
    return new Promise((resolvePromise, reject) => {
      const socket = connect({ host, port });
      socket.setTimeout(timeoutMs, () =>
        socket.destroy(new Error(`no answer from ${host}:${port} in ${timeoutMs} ms`)),
      );
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolvePromise(new CqlConnection(socket));
      });
    });
  }

  async request(opcode: number, body: Buffer, expected: number): Promise<Buffer> {
    const header = Buffer.alloc(HEADER_BYTES);
    header.writeUInt8(REQUEST_VERSION, 0);
    header.writeInt16BE(this.nextStream++, 2);
    header.writeUInt8(opcode, 4);
    header.writeInt32BE(body.length, 5);
    const reply = new Promise<Frame>((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
    if (this.failure !== undefined) throw this.failure;
    this.socket.write(Buffer.concat([header, body]));
    const frame = await reply;
    if (frame.opcode === OPCODE.error) throw decodeError(new Reader(frame.body));
    if (frame.opcode === OPCODE.authenticate) throw new Error('the node requires authentication');
    if (frame.opcode !== expected)
      throw new Error(`unexpected CQL opcode 0x${frame.opcode.toString(16)}`);
    return frame.body;
  }

  close(): void {
    this.socket.destroy();
  }

  private deliver(): void {
    if (this.buffer.length < HEADER_BYTES) return;
    const length = this.buffer.readInt32BE(5);
    if (this.buffer.length < HEADER_BYTES + length) return;
    const frame = {
      opcode: this.buffer.readUInt8(4),
      body: this.buffer.subarray(HEADER_BYTES, HEADER_BYTES + length),
    };
    this.buffer = this.buffer.subarray(HEADER_BYTES + length);
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.resolve(frame);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.reject(error);
  }
}

function encodeString(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  const length = Buffer.alloc(2);
  length.writeUInt16BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

function encodeStringMap(map: Record<string, string>): Buffer {
  const entries = Object.entries(map);
  const count = Buffer.alloc(2);
  count.writeUInt16BE(entries.length);
  return Buffer.concat([count, ...entries.flatMap(([k, v]) => [encodeString(k), encodeString(v)])]);
}

function encodeQuery(cql: string): Buffer {
  const text = Buffer.from(cql, 'utf8');
  const tail = Buffer.alloc(4 + text.length + 3);
  tail.writeInt32BE(text.length, 0);
  text.copy(tail, 4);
  tail.writeUInt16BE(CONSISTENCY_ONE, 4 + text.length);
  tail.writeUInt8(0, 6 + text.length); // no query flags: no values, default paging
  return tail;
}

class Reader {
  private offset = 0;
  constructor(private readonly buf: Buffer) {}
  int(): number {
    const value = this.buf.readInt32BE(this.offset);
    this.offset += 4;
    return value;
  }
  short(): number {
    const value = this.buf.readUInt16BE(this.offset);
    this.offset += 2;
    return value;
  }
  string(): string {
    const length = this.short();
    const value = this.buf.toString('utf8', this.offset, this.offset + length);
    this.offset += length;
    return value;
  }
  bytes(): Buffer | null {
    const length = this.int();
    if (length < 0) return null;
    const value = this.buf.subarray(this.offset, this.offset + length);
    this.offset += length;
    return value;
  }
}

function decodeError(reader: Reader): Error {
  const code = reader.int();
  return new Error(`CQL error 0x${code.toString(16)}: ${reader.string()}`);
}

function decodeRows(reader: Reader): CqlCell[][] {
  if (reader.int() !== RESULT_ROWS) return [];
  const flags = reader.int();
  const columnCount = reader.int();
  if (flags & 0x0002) reader.bytes(); // paging state
  const types: number[] = [];
  if ((flags & 0x0004) === 0) {
    const globalTableSpec = (flags & 0x0001) !== 0;
    if (globalTableSpec) skipStrings(reader, 2); // keyspace, table
    for (let i = 0; i < columnCount; i++) {
      if (!globalTableSpec) skipStrings(reader, 2);
      reader.string(); // column name
      types.push(readType(reader));
    }
  }
  const rowCount = reader.int();
  return Array.from({ length: rowCount }, () =>
    Array.from({ length: columnCount }, (_, column) =>
      decodeCell(types[column] ?? -1, reader.bytes()),
    ),
  );
}

function skipStrings(reader: Reader, count: number): void {
  for (let i = 0; i < count; i++) reader.string();
}

/** Reads a type [option], consuming nested types; returns the outer type id. */
function readType(reader: Reader): number {
  const id = reader.short();
  if (id === 0x0000) reader.string(); // custom: class name
  if (id === 0x0020 || id === 0x0022) readType(reader); // list, set
  if (id === 0x0021) {
    readType(reader); // map key
    readType(reader); // map value
  }
  if (id === 0x0030) {
    skipStrings(reader, 2); // UDT keyspace and name
    for (let n = reader.short(); n > 0; n--) {
      reader.string();
      readType(reader);
    }
  }
  if (id === 0x0031) for (let n = reader.short(); n > 0; n--) readType(reader); // tuple
  return id;
}

function decodeCell(type: number, value: Buffer | null): CqlCell {
  if (value === null) return null;
  switch (type) {
    case 0x0001: // ascii
    case 0x000d: // varchar
      return value.toString('utf8');
    case 0x0009: // int
      return String(value.readInt32BE(0));
    case 0x0002: // bigint
    case 0x0005: // counter
      return value.readBigInt64BE(0).toString();
    case 0x0004: // boolean
      return value[0] === 0 ? 'false' : 'true';
    case 0x0010: // inet
      return value.length === 4 ? Array.from(value).join('.') : value.toString('hex');
    case 0x000c: // uuid
    case 0x000f: // timeuuid
      return value.toString('hex').replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
    default:
      return `0x${value.toString('hex')}`;
  }
}
