// Types of heic-decode 2.1 (libheif compiled to WebAssembly, no native code): it ships none.
declare module 'heic-decode' {
  interface Decoded {
    width: number;
    height: number;
    /** RGBA, 4 bytes a pixel, rows top to bottom. */
    data: Uint8ClampedArray;
  }
  function decode(input: { buffer: Uint8Array | ArrayBuffer }): Promise<Decoded>;
  export default decode;
}
