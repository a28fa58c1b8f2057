/**
 * LiveCodeBench's compressed private tests.
 *
 * In `livecodebench/code_generation_lite` the `private_test_cases` field is
 * either a JSON string or `base64(zlib(pickle(json_string)))`. The reference
 * loader (LiveCodeBench `lcb_runner/benchmarks/code_generation.py`,
 * `CodeGenerationProblem.__post_init__`; the same in the `livecodebench`
 * package NeMo-Skills installs) tries `json.loads` first and falls back to
 * `json.loads(pickle.loads(zlib.decompress(base64.b64decode(s))))`.
 *
 * The pickle is a single Python `str`. This is a reader for exactly that — the
 * opcodes CPython emits when pickling one str with protocols 2–5 — and it
 * refuses anything else (never a general unpickler: no globals, no calls).
 */
import { inflateSync } from 'node:zlib';

const PROTO = 0x80;
const FRAME = 0x95;
const SHORT_BINUNICODE = 0x8c;
const BINUNICODE = 0x58; // 'X'
const BINUNICODE8 = 0x8d;
const MEMOIZE = 0x94;
const BINPUT = 0x71; // 'q'
const LONG_BINPUT = 0x72; // 'r'
const STOP = 0x2e; // '.'

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Unpickle a pickle holding one Python str. Throws, naming the offset, on any other content. */
export function unpickleString(data: Uint8Array): string {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let pos = 0;
  let value: string | null = null;
  const need = (n: number, what: string) => {
    if (pos + n > buf.length) throw new Error(`pickle truncated: ${what} at offset ${pos} needs ${n} byte(s), ${buf.length - pos} left`);
  };
  const readLength8 = (what: string): number => {
    need(8, what);
    const n = buf.readBigUInt64LE(pos);
    pos += 8;
    if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`pickle ${what} length ${n} is too large`);
    return Number(n);
  };
  const pushString = (len: number, what: string) => {
    need(len, what);
    if (value !== null) throw new Error(`pickle holds more than one object (second ${what} at offset ${pos}); expected a single str`);
    try {
      value = utf8.decode(buf.subarray(pos, pos + len));
    } catch {
      throw new Error(`pickle ${what} at offset ${pos} is not valid UTF-8`);
    }
    pos += len;
  };

  while (pos < buf.length) {
    const at = pos;
    const op = buf[pos++];
    switch (op) {
      case PROTO: {
        need(1, 'PROTO');
        const proto = buf[pos++];
        if (proto < 2 || proto > 5) throw new Error(`pickle protocol ${proto} is not supported (expected 2–5)`);
        break;
      }
      case FRAME:
        readLength8('FRAME'); // framing is transparent to the reader
        break;
      case SHORT_BINUNICODE: {
        need(1, 'SHORT_BINUNICODE');
        const len = buf[pos++];
        pushString(len, 'SHORT_BINUNICODE');
        break;
      }
      case BINUNICODE: {
        need(4, 'BINUNICODE');
        const len = buf.readUInt32LE(pos);
        pos += 4;
        pushString(len, 'BINUNICODE');
        break;
      }
      case BINUNICODE8:
        pushString(readLength8('BINUNICODE8'), 'BINUNICODE8');
        break;
      case MEMOIZE:
        break;
      case BINPUT:
        need(1, 'BINPUT');
        pos += 1;
        break;
      case LONG_BINPUT:
        need(4, 'LONG_BINPUT');
        pos += 4;
        break;
      case STOP:
        if (value === null) throw new Error(`pickle STOP at offset ${at} with nothing on the stack`);
        if (pos !== buf.length) throw new Error(`pickle has ${buf.length - pos} byte(s) after STOP`);
        return value;
      default:
        throw new Error(
          `pickle opcode 0x${(op ?? 0).toString(16).padStart(2, '0')} at offset ${at} is not supported: ` +
            'only a single pickled str (PROTO, FRAME, SHORT_BINUNICODE, BINUNICODE, BINUNICODE8, MEMOIZE, BINPUT, LONG_BINPUT, STOP) is read',
        );
    }
  }
  throw new Error('pickle ends without STOP');
}

/** `pickle.loads(zlib.decompress(base64.b64decode(s)))` for a pickled str. */
export function decodeCompressedString(b64: string): string {
  // Python's b64decode (validate=False) drops characters outside the alphabet, as Buffer.from does.
  const compressed = Buffer.from(b64, 'base64');
  if (compressed.length === 0) throw new Error('base64 payload is empty');
  let raw: Buffer;
  try {
    raw = inflateSync(compressed);
  } catch (err) {
    throw new Error(`zlib decompression failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  return unpickleString(raw);
}

/**
 * A `private_test_cases` value as the reference reads it: JSON first, else
 * base64 → zlib → pickle → JSON. Returns the parsed JSON value.
 */
export function parsePrivateTestCases(field: string): unknown {
  try {
    return JSON.parse(field);
  } catch {
    /* not plain JSON: the compressed form */
  }
  const text = decodeCompressedString(field);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`decompressed private tests are not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}
