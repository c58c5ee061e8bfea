// A small streamed ZIP writer for bundles (`evidence export --zip`): every member stored (no
// compression: evidence is mostly photos, video and archives that do not shrink, and a stored
// member is its exact bytes at one offset, readable by any tool), ZIP64 where a size, an offset or
// the member count needs it, names in UTF-8 (flag bit 11). Memory stays bounded whatever the size:
// bytes go straight to the file at their offset, and the CRC-32 is computed as they pass and then
// written into the local header in place (the output is a file, so no data descriptor is needed:
// every reader sees the CRC and both sizes in the local header and the central directory).
//
// Reading ZIPs stays in src/core/formats/zip.ts; this module only writes.
import { type FileHandle, open } from 'node:fs/promises';
import { crc32 } from 'node:zlib';

const LOCAL_SIG = 0x04034b50;
const CD_SIG = 0x02014b50;
const EOCD_SIG = 0x06054b50;
const Z64_EOCD_SIG = 0x06064b50;
const Z64_LOCATOR_SIG = 0x07064b50;
const FLAG_UTF8 = 0x0800;
const U32_MAX = 0xffffffff;
const U16_MAX = 0xffff;

interface Entry {
  name: Buffer;
  offset: number;
  size: number;
  crc: number;
  zip64: boolean;
  time: number;
  date: number;
}

export interface ZipWriterOptions {
  /** Write ZIP64 records for every member and the end (tests use it to check ZIP64 on small files). */
  forceZip64?: boolean;
  /** The time stamped on members (default: now). */
  mtime?: Date;
}

export interface ZipMemberWriter {
  write(chunk: Uint8Array): Promise<void>;
  /** Finishes the member: checks its length against the size given and writes its CRC-32. */
  end(): Promise<void>;
}

function dosDateTime(d: Date): { time: number; date: number } {
  const year = Math.max(1980, Math.min(2107, d.getUTCFullYear()));
  return {
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | Math.floor(d.getUTCSeconds() / 2),
    date: ((year - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
  };
}

export class ZipWriter {
  private readonly fh: FileHandle;
  private readonly opts: ZipWriterOptions;
  private readonly entries: Entry[] = [];
  private pos = 0;
  private open: boolean = false;
  private closed = false;

  private constructor(fh: FileHandle, opts: ZipWriterOptions) {
    this.fh = fh;
    this.opts = opts;
  }

  /** Creates the ZIP file; refuses to overwrite one that exists. */
  static async create(path: string, opts: ZipWriterOptions = {}): Promise<ZipWriter> {
    return new ZipWriter(await open(path, 'wx', 0o644), opts);
  }

  private async put(buf: Uint8Array): Promise<void> {
    let done = 0;
    while (done < buf.byteLength) {
      const { bytesWritten } = await this.fh.write(buf, done, buf.byteLength - done, this.pos + done);
      done += bytesWritten;
    }
    this.pos += buf.byteLength;
  }

  /** Starts a member of `size` bytes; write its bytes, then end() it, before the next. */
  async begin(name: string, size: number): Promise<ZipMemberWriter> {
    if (this.open || this.closed) throw new Error('ZIP writer: a member is already being written, or the ZIP is closed');
    this.open = true;
    const nameBytes = Buffer.from(name, 'utf8');
    if (nameBytes.byteLength > U16_MAX) throw new Error(`ZIP member name too long: ${name.slice(0, 80)}…`);
    const zip64 = this.opts.forceZip64 === true || size >= U32_MAX;
    const { time, date } = dosDateTime(this.opts.mtime ?? new Date());
    const entry: Entry = { name: nameBytes, offset: this.pos, size, crc: 0, zip64, time, date };
    const header = Buffer.alloc(30);
    header.writeUInt32LE(LOCAL_SIG, 0);
    header.writeUInt16LE(zip64 ? 45 : 20, 4);
    header.writeUInt16LE(FLAG_UTF8, 6);
    header.writeUInt16LE(0, 8); // stored
    header.writeUInt16LE(time, 10);
    header.writeUInt16LE(date, 12);
    header.writeUInt32LE(0, 14); // CRC-32, written in place by end()
    header.writeUInt32LE(zip64 ? U32_MAX : size, 18);
    header.writeUInt32LE(zip64 ? U32_MAX : size, 22);
    header.writeUInt16LE(nameBytes.byteLength, 26);
    header.writeUInt16LE(zip64 ? 20 : 0, 28);
    const extra = Buffer.alloc(zip64 ? 20 : 0);
    if (zip64) {
      extra.writeUInt16LE(0x0001, 0);
      extra.writeUInt16LE(16, 2);
      extra.writeBigUInt64LE(BigInt(size), 4);
      extra.writeBigUInt64LE(BigInt(size), 12);
    }
    await this.put(Buffer.concat([header, nameBytes, extra]));
    let written = 0;
    let crc = 0;
    return {
      write: async (chunk: Uint8Array) => {
        written += chunk.byteLength;
        if (written > size) throw new Error(`ZIP member ${name}: more bytes than the ${size} announced`);
        crc = crc32(chunk, crc);
        await this.put(chunk);
      },
      end: async () => {
        if (written !== size) throw new Error(`ZIP member ${name}: ${written} bytes written, ${size} announced`);
        entry.crc = crc >>> 0;
        const b = Buffer.alloc(4);
        b.writeUInt32LE(entry.crc, 0);
        await this.fh.write(b, 0, 4, entry.offset + 14);
        this.entries.push(entry);
        this.open = false;
      },
    };
  }

  /** A whole member from memory. */
  async add(name: string, data: Uint8Array | string): Promise<void> {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const m = await this.begin(name, buf.byteLength);
    await m.write(buf);
    await m.end();
  }

  /** Writes the central directory and end records, flushes to disk and closes the file. */
  async close(): Promise<void> {
    if (this.open) throw new Error('ZIP writer: close() while a member is being written');
    const cdStart = this.pos;
    for (const e of this.entries) {
      const needs64 = this.opts.forceZip64 === true || e.size >= U32_MAX || e.offset >= U32_MAX;
      const fields: bigint[] = [];
      if (needs64) fields.push(BigInt(e.size), BigInt(e.size), BigInt(e.offset));
      const extra = Buffer.alloc(fields.length ? 4 + 8 * fields.length : 0);
      if (fields.length) {
        extra.writeUInt16LE(0x0001, 0);
        extra.writeUInt16LE(8 * fields.length, 2);
        fields.forEach((v, i) => extra.writeBigUInt64LE(v, 4 + 8 * i));
      }
      const h = Buffer.alloc(46);
      h.writeUInt32LE(CD_SIG, 0);
      h.writeUInt16LE((3 << 8) | 45, 4); // made by: Unix, spec 4.5
      h.writeUInt16LE(needs64 ? 45 : 20, 6);
      h.writeUInt16LE(FLAG_UTF8, 8);
      h.writeUInt16LE(0, 10);
      h.writeUInt16LE(e.time, 12);
      h.writeUInt16LE(e.date, 14);
      h.writeUInt32LE(e.crc, 16);
      h.writeUInt32LE(needs64 ? U32_MAX : e.size, 20);
      h.writeUInt32LE(needs64 ? U32_MAX : e.size, 24);
      h.writeUInt16LE(e.name.byteLength, 28);
      h.writeUInt16LE(extra.byteLength, 30);
      h.writeUInt16LE(0, 32); // comment
      h.writeUInt16LE(0, 34); // disk
      h.writeUInt16LE(0, 36); // internal attributes
      h.writeUInt32LE((0o100644 << 16) >>> 0, 38); // a regular file, rw-r--r--
      h.writeUInt32LE(needs64 ? U32_MAX : e.offset, 42);
      await this.put(Buffer.concat([h, e.name, extra]));
    }
    const cdSize = this.pos - cdStart;
    const count = this.entries.length;
    const z64 = this.opts.forceZip64 === true || count >= U16_MAX || cdStart >= U32_MAX || cdSize >= U32_MAX;
    if (z64) {
      const z64At = this.pos;
      const r = Buffer.alloc(56);
      r.writeUInt32LE(Z64_EOCD_SIG, 0);
      r.writeBigUInt64LE(44n, 4); // size of the rest of this record
      r.writeUInt16LE((3 << 8) | 45, 12);
      r.writeUInt16LE(45, 14);
      r.writeUInt32LE(0, 16);
      r.writeUInt32LE(0, 20);
      r.writeBigUInt64LE(BigInt(count), 24);
      r.writeBigUInt64LE(BigInt(count), 32);
      r.writeBigUInt64LE(BigInt(cdSize), 40);
      r.writeBigUInt64LE(BigInt(cdStart), 48);
      const loc = Buffer.alloc(20);
      loc.writeUInt32LE(Z64_LOCATOR_SIG, 0);
      loc.writeUInt32LE(0, 4);
      loc.writeBigUInt64LE(BigInt(z64At), 8);
      loc.writeUInt32LE(1, 16);
      await this.put(Buffer.concat([r, loc]));
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(EOCD_SIG, 0);
    end.writeUInt16LE(z64 ? U16_MAX : count, 8);
    end.writeUInt16LE(z64 ? U16_MAX : count, 10);
    end.writeUInt32LE(z64 ? U32_MAX : cdSize, 12);
    end.writeUInt32LE(z64 ? U32_MAX : cdStart, 16);
    end.writeUInt16LE(0, 20);
    await this.put(end);
    await this.fh.sync();
    await this.fh.close();
    this.closed = true;
  }

  /** Closes the file without finishing it (after a failure; the caller removes it). */
  async abandon(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.fh.close().catch(() => undefined);
  }
}
