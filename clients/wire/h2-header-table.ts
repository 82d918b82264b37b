// How a lean driver's HPACK encoder may use the peer's decoder table. The drivers insert their
// fixed request fields on the first request and reference them afterwards; a peer that announces
// a SETTINGS_HEADER_TABLE_SIZE too small for those entries gets literal blocks from then on.
import { hpackInt } from './hpack.ts';

export type HeaderTableMode = 'first' | 'indexed' | 'literal';

export class HeaderTableUse {
  /** first: the next block inserts our fields; indexed: reference them; literal: they do not fit. */
  mode: HeaderTableMode = 'first';
  /** A table-size update our next block must start with (the peer shrank its table under our entries). */
  private sizeUpdate: Buffer | undefined;

  /** `tableBytes`: the HPACK size (RFC 7541 4.1) of the entries the first block inserts. */
  constructor(private readonly tableBytes: number) {}

  /** The peer's SETTINGS_HEADER_TABLE_SIZE. */
  peerTableSize(value: number): void {
    if (value >= this.tableBytes || this.mode === 'literal') return;
    // Entries the peer already holds no longer fit: say so in the next block and stop referencing them.
    if (this.mode === 'indexed') this.sizeUpdate = Buffer.from(hpackInt(0x20, 5, 0));
    this.mode = 'literal';
  }

  /** `block` (the first or the literal one, as `mode` says) as it goes out; after the first, blocks are indexed. */
  sent(block: Buffer): Buffer {
    if (this.mode === 'first') this.mode = 'indexed';
    if (!this.sizeUpdate) return block;
    const out = Buffer.concat([this.sizeUpdate, block]);
    this.sizeUpdate = undefined;
    return out;
  }
}
