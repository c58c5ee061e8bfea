// Vite's `?url` imports: the URL of an emitted asset (used for the pdf.js worker).
declare module '*?url' {
  const url: string;
  export default url;
}
