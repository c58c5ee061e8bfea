// Reading the XML parts of an office document (DOCX/XLSX/PPTX/ODF are ZIPs) from its bytes in
// memory, for text extraction only: the central directory, then each wanted member inflated
// with a cap on its output, so a zip bomb dressed as a .docx costs at most the cap.
import { inflateRawSync } from 'node:zlib';

export interface ZipPart {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

/** At most this many members are listed (a real document has tens to a few thousand). */
const MAX_PARTS = 50_000;

export class ZipParts {
  readonly parts = new Map<string, ZipPart>();
  private readonly buf: Buffer;
  /** Decoded bytes still allowed, over all parts read (a bound on the whole document). */
  private budget: number;

  constructor(bytes: Uint8Array, maxDecodedBytes: number) {
    this.buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.budget = maxDecodedBytes;
    this.readDirectory();
  }

  private readDirectory(): void {
    const b = this.buf;
    // End of central directory: within the last 64 KiB + 22 bytes.
    let eocd = -1;
    for (let i = b.length - 22; i >= Math.max(0, b.length - 22 - 0xffff); i--) {
      if (b.readUInt32LE(i) === 0x06054b50) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw new Error('not a ZIP file (no end of central directory)');
    const count = b.readUInt16LE(eocd + 10);
    const cdSize = b.readUInt32LE(eocd + 12);
    const cdOffset = b.readUInt32LE(eocd + 16);
    if (count === 0xffff || cdOffset === 0xffffffff) throw new Error('ZIP64 documents are not read for text');
    if (cdOffset + cdSize > b.length) throw new Error('truncated ZIP (central directory past the end)');
    let p = cdOffset;
    for (let n = 0; n < count && n < MAX_PARTS; n++) {
      if (p + 46 > b.length || b.readUInt32LE(p) !== 0x02014b50) throw new Error('damaged ZIP central directory');
      const flags = b.readUInt16LE(p + 8);
      const method = b.readUInt16LE(p + 10);
      const compressedSize = b.readUInt32LE(p + 20);
      const size = b.readUInt32LE(p + 24);
      const nameLen = b.readUInt16LE(p + 28);
      const extraLen = b.readUInt16LE(p + 30);
      const commentLen = b.readUInt16LE(p + 32);
      const localOffset = b.readUInt32LE(p + 42);
      const name = b.subarray(p + 46, p + 46 + nameLen).toString(flags & 0x800 ? 'utf8' : 'latin1');
      if (!(flags & 1)) this.parts.set(name, { name, method, compressedSize, size, localOffset });
      p += 46 + nameLen + extraLen + commentLen;
    }
  }

  has(name: string): boolean {
    return this.parts.has(name);
  }

  names(): string[] {
    return [...this.parts.keys()];
  }

  /** A member's bytes, or null when absent. Throws when it is damaged or over the budget. */
  read(name: string): Buffer | null {
    const e = this.parts.get(name);
    if (!e) return null;
    const b = this.buf;
    const lp = e.localOffset;
    if (lp + 30 > b.length || b.readUInt32LE(lp) !== 0x04034b50) throw new Error(`damaged ZIP member ${name}`);
    const start = lp + 30 + b.readUInt16LE(lp + 26) + b.readUInt16LE(lp + 28);
    const end = start + e.compressedSize;
    if (end > b.length) throw new Error(`truncated ZIP member ${name}`);
    const raw = b.subarray(start, end);
    if (this.budget <= 0) throw new Error('the document decompresses to more than the text-extraction limit');
    let out: Buffer;
    if (e.method === 0) out = Buffer.from(raw);
    else if (e.method === 8) {
      try {
        out = inflateRawSync(raw, { maxOutputLength: this.budget });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
          throw new Error('the document decompresses to more than the text-extraction limit (a zip bomb, or a huge document)', { cause: err });
        }
        throw new Error(`ZIP member ${name} does not inflate: ${(err as Error).message}`, { cause: err });
      }
    } else throw new Error(`ZIP member ${name} uses compression method ${e.method}, which is not read for text`);
    this.budget -= out.length;
    return out;
  }

  /** A member as UTF-8 text (office XML is UTF-8; a BOM is dropped). */
  text(name: string): string | null {
    const b = this.read(name);
    return b ? new TextDecoder('utf-8').decode(b) : null;
  }
}
