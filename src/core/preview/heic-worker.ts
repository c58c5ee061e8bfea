// The HEIC decoder's worker: libheif (WebAssembly, through heic-decode) turns an iPhone's HEIC
// photo into RGBA pixels here, off the engine's thread (a 12-megapixel photo takes seconds of
// CPU, which would stop the host answering). libheif applies the file's rotation and mirroring,
// so the pixels are as the phone showed the photo. One message, one answer, in order.
import decode from 'heic-decode';
import { parentPort } from 'node:worker_threads';
import type { HeicReply, HeicRequest } from './heic.ts';

const port = parentPort!;
port.on('message', (m: HeicRequest) => {
  decode({ buffer: new Uint8Array(m.bytes) }).then(
    (img) => {
      const reply: HeicReply = { n: m.n, width: img.width, height: img.height, rgba: img.data.buffer as ArrayBuffer, error: null };
      port.postMessage(reply, [reply.rgba!]);
    },
    (err: unknown) => {
      const reply: HeicReply = { n: m.n, width: 0, height: 0, rgba: null, error: err instanceof Error ? err.message : String(err) };
      port.postMessage(reply);
    },
  );
});
