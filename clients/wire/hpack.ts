import { HpackError } from '../../harness/errors.ts';
// HPACK (RFC 7541) for the lean gRPC driver: the static table, Huffman coding, a decoder
// with its dynamic table, and the request header blocks encoded as nghttp2 encodes them.

export const STATIC_TABLE: readonly (readonly [string, string])[] = [
  [':authority', ''],
  [':method', 'GET'],
  [':method', 'POST'],
  [':path', '/'],
  [':path', '/index.html'],
  [':scheme', 'http'],
  [':scheme', 'https'],
  [':status', '200'],
  [':status', '204'],
  [':status', '206'],
  [':status', '304'],
  [':status', '400'],
  [':status', '404'],
  [':status', '500'],
  ['accept-charset', ''],
  ['accept-encoding', 'gzip, deflate'],
  ['accept-language', ''],
  ['accept-ranges', ''],
  ['accept', ''],
  ['access-control-allow-origin', ''],
  ['age', ''],
  ['allow', ''],
  ['authorization', ''],
  ['cache-control', ''],
  ['content-disposition', ''],
  ['content-encoding', ''],
  ['content-language', ''],
  ['content-length', ''],
  ['content-location', ''],
  ['content-range', ''],
  ['content-type', ''],
  ['cookie', ''],
  ['date', ''],
  ['etag', ''],
  ['expect', ''],
  ['expires', ''],
  ['from', ''],
  ['host', ''],
  ['if-match', ''],
  ['if-modified-since', ''],
  ['if-none-match', ''],
  ['if-range', ''],
  ['if-unmodified-since', ''],
  ['last-modified', ''],
  ['link', ''],
  ['location', ''],
  ['max-forwards', ''],
  ['proxy-authenticate', ''],
  ['proxy-authorization', ''],
  ['range', ''],
  ['referer', ''],
  ['refresh', ''],
  ['retry-after', ''],
  ['server', ''],
  ['set-cookie', ''],
  ['strict-transport-security', ''],
  ['transfer-encoding', ''],
  ['user-agent', ''],
  ['vary', ''],
  ['via', ''],
  ['www-authenticate', ''],
];
export const STATIC_INDEX = { authority: 1, methodPost: 3, path: 4, schemeHttp: 6, contentType: 31 } as const;

/**
 * Huffman code lengths for symbols 0..255 and EOS (RFC 7541 Appendix B). The code is
 * canonical (codes ascend with symbol within a length), so the lengths define it.
 */
export const HUFFMAN_LENGTHS = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
  6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10, 13, 6, 7, 7, 7, 7, 7,
  7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6, 15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5,
  6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28, 20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, 24, 24, 22,
  23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24, 22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22,
  21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23, 26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, 19, 21, 26,
  27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27, 20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, 26, 27, 26,
  26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26, 30,
];
export const EOS = 256;

/** Canonical codes from the lengths: sorted by (length, symbol), consecutive within a length. */
let huffmanCodes: number[] | undefined;
export function huffmanCodeTable(): number[] {
  if (huffmanCodes) return huffmanCodes;
  const symbols = HUFFMAN_LENGTHS.map((_, s) => s).sort((a, b) => HUFFMAN_LENGTHS[a]! - HUFFMAN_LENGTHS[b]! || a - b);
  const codes = new Array<number>(HUFFMAN_LENGTHS.length);
  let code = 0;
  let prevLen = HUFFMAN_LENGTHS[symbols[0]!]!;
  for (const sym of symbols) {
    const len = HUFFMAN_LENGTHS[sym]!;
    code *= 2 ** (len - prevLen); // codes reach 30 bits: plain arithmetic, not 32-bit shifts
    prevLen = len;
    codes[sym] = code++;
  }
  return (huffmanCodes = codes);
}

/** Binary decoding tree: children at [2n] / [2n+1]; 0 = absent, >0 = inner node, <0 = leaf -(symbol+1). */
let huffmanTree: Int32Array | undefined;
export function buildHuffmanTree(): Int32Array {
  const codes = huffmanCodeTable();
  const tree = new Int32Array(2 * 2 * codes.length);
  let nodes = 1;
  codes.forEach((code, sym) => {
    let node = 0;
    for (let bit = HUFFMAN_LENGTHS[sym]! - 1; bit >= 0; bit--) {
      const slot = 2 * node + (Math.floor(code / 2 ** bit) & 1);
      if (bit === 0) tree[slot] = -(sym + 1);
      else node = tree[slot] || (tree[slot] = nodes++);
    }
  });
  return tree;
}

/** Only used when building request headers, once per connection. */
export function huffmanEncode(s: string): Buffer {
  const codes = huffmanCodeTable();
  const bits: number[] = [];
  for (const byte of Buffer.from(s, 'latin1')) {
    const code = codes[byte]!;
    for (let bit = HUFFMAN_LENGTHS[byte]! - 1; bit >= 0; bit--) bits.push(Math.floor(code / 2 ** bit) & 1);
  }
  while (bits.length % 8 !== 0) bits.push(1); // pad with the most significant bits of EOS
  const out = Buffer.alloc(bits.length / 8);
  bits.forEach((b, i) => {
    out[i >> 3]! |= b << (7 - (i & 7));
  });
  return out;
}

export function huffmanDecode(buf: Buffer, start: number, end: number): string {
  const tree = (huffmanTree ??= buildHuffmanTree());
  let out = '';
  let node = 0;
  let pending = 0; // bits read since the last symbol
  let allOnes = true;
  for (let i = start; i < end; i++) {
    const byte = buf[i]!;
    for (let bit = 7; bit >= 0; bit--) {
      const b = (byte >> bit) & 1;
      const next = tree[2 * node + b]!;
      if (next < 0) {
        const sym = -next - 1;
        if (sym === EOS) throw new HpackError('EOS inside a Huffman string');
        out += String.fromCharCode(sym);
        node = 0;
        pending = 0;
        allOnes = true;
      } else if (next === 0) {
        throw new HpackError('invalid Huffman code');
      } else {
        node = next;
        pending++;
        if (b === 0) allOnes = false;
      }
    }
  }
  // Padding must be a prefix of EOS (all ones) and shorter than a byte.
  if (pending > 7 || !allOnes) throw new HpackError('invalid Huffman padding');
  return out;
}

/** Receives each decoded header field; the decoder keeps no header objects of its own. */
export type HeaderSink = (name: string, value: string) => void;

export class HpackDecoder {
  /** Newest entry first, as HPACK indexes them. */
  private readonly table: [string, string][] = [];
  private size = 0;
  private pos = 0;

  /** maxSize: our SETTINGS_HEADER_TABLE_SIZE (the default 4096 unless announced otherwise). */
  constructor(private readonly maxSize = 4096) {}

  decode(block: Buffer, sink: HeaderSink): void {
    this.pos = 0;
    let limit = this.maxSize;
    while (this.pos < block.length) {
      const b = block[this.pos]!;
      if (b & 0x80) {
        const entry = this.entry(this.int(block, 7));
        sink(entry[0], entry[1]);
      } else if (b & 0x40) {
        const nameIndex = this.int(block, 6);
        const name = nameIndex === 0 ? this.str(block) : this.entry(nameIndex)[0];
        const value = this.str(block);
        this.insert(name, value, limit);
        sink(name, value);
      } else if (b & 0x20) {
        const size = this.int(block, 5);
        if (size > this.maxSize) throw new HpackError(`table size update ${size} above ${this.maxSize}`);
        limit = size;
        this.evict(limit);
      } else {
        // Literal without indexing (0000) or never indexed (0001): same shape, 4-bit prefix.
        const nameIndex = this.int(block, 4);
        const name = nameIndex === 0 ? this.str(block) : this.entry(nameIndex)[0];
        sink(name, this.str(block));
      }
    }
  }

  private entry(index: number): readonly [string, string] {
    const e = index <= STATIC_TABLE.length ? STATIC_TABLE[index - 1] : this.table[index - STATIC_TABLE.length - 1];
    if (!e || index === 0) throw new HpackError(`header index ${index} out of range`);
    return e;
  }

  private insert(name: string, value: string, limit: number): void {
    const size = name.length + value.length + 32;
    this.evict(limit - size);
    if (size <= limit) {
      this.table.unshift([name, value]);
      this.size += size;
    }
  }

  private evict(target: number): void {
    while (this.size > Math.max(0, target)) {
      const [n, v] = this.table.pop()!;
      this.size -= n.length + v.length + 32;
    }
  }

  private int(block: Buffer, prefixBits: number): number {
    const max = (1 << prefixBits) - 1;
    let value = block[this.pos++]! & max;
    if (value < max) return value;
    let shift = 0;
    for (;;) {
      if (this.pos >= block.length) throw new HpackError('truncated integer');
      const b = block[this.pos++]!;
      value += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (!(b & 0x80)) return value;
      if (shift > 28) throw new HpackError('integer too large');
    }
  }

  private str(block: Buffer): string {
    if (this.pos >= block.length) throw new HpackError('truncated string');
    const huffman = (block[this.pos]! & 0x80) !== 0;
    const len = this.int(block, 7);
    const start = this.pos;
    const end = start + len;
    if (end > block.length) throw new HpackError('truncated string');
    this.pos = end;
    return huffman ? huffmanDecode(block, start, end) : block.toString('latin1', start, end);
  }
}

/** HPACK integer with an n-bit prefix; `first` carries the representation's flag bits. */
export function hpackInt(first: number, prefixBits: number, value: number): number[] {
  const max = (1 << prefixBits) - 1;
  if (value < max) return [first | value];
  const out = [first | max];
  let v = value - max;
  while (v >= 128) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

/** A string literal, Huffman-coded when that is shorter (nghttp2's rule). */
export function hpackString(s: string): number[] {
  const raw = Buffer.from(s, 'latin1');
  const huff = huffmanEncode(s);
  return huff.length < raw.length ? [...hpackInt(0x80, 7, huff.length), ...huff] : [...hpackInt(0, 7, raw.length), ...raw];
}

/**
 * The three header blocks this driver sends for GetUser, encoded as nghttp2 (node:http2,
 * grpc-js, h2load) encodes them, so the wire bytes are those of a real client: header fields
 * enter the dynamic table on first use and are one-byte references afterwards, except :path,
 * which nghttp2 never indexes and sends as a Huffman-coded literal on every request.
 */
export function requestHeaderBlocks(
  authority: string,
  path: string,
): { first: Buffer; indexed: Buffer; literal: Buffer; tableBytes: number } {
  // [name, value, static index of the name (0: none), indexed?]
  const fields: [string, string, number, boolean][] = [
    [':method', 'POST', 0, false],
    [':scheme', 'http', 0, false],
    [':authority', authority, STATIC_INDEX.authority, true],
    [':path', path, STATIC_INDEX.path, false],
    ['content-type', 'application/grpc', STATIC_INDEX.contentType, true],
    ['te', 'trailers', 0, true],
  ];
  const literalField = (flags: number, prefix: number, name: string, value: string, nameIdx: number): number[] => [
    ...hpackInt(flags, prefix, nameIdx),
    ...(nameIdx ? [] : hpackString(name)),
    ...hpackString(value),
  ];
  const first: number[] = [];
  const indexed: number[] = [];
  const literal: number[] = [];
  const inserted = fields.filter((f) => f[3]).map((f) => f[0]);
  let tableBytes = 0;
  for (const [name, value, nameIdx, index] of fields) {
    if (name === ':method' || name === ':scheme') {
      const full = name === ':method' ? STATIC_INDEX.methodPost : STATIC_INDEX.schemeHttp;
      for (const b of [first, indexed, literal]) b.push(0x80 | full);
    } else if (index) {
      first.push(...literalField(0x40, 6, name, value, nameIdx));
      // Dynamic indexes count from the newest insertion (62) back.
      indexed.push(...hpackInt(0x80, 7, STATIC_TABLE.length + inserted.length - inserted.indexOf(name)));
      literal.push(...literalField(0x00, 4, name, value, nameIdx));
      tableBytes += name.length + value.length + 32;
    } else {
      const f = literalField(0x00, 4, name, value, nameIdx);
      first.push(...f);
      indexed.push(...f);
      literal.push(...f);
    }
  }
  return { first: Buffer.from(first), indexed: Buffer.from(indexed), literal: Buffer.from(literal), tableBytes };
}
