// The engine's one public face. The front doors (src/cli, src/host, src/main) import the engine
// from here and nowhere else (test/unit/boundaries.test.ts fails otherwise), so what they may use
// is this short list and the rest of src/core can be reshaped without touching them. What the
// engine answers (its output types) is the contract's: import those from src/shared/contract.ts.
export { EvidenceService, type ServiceOptions } from './service.ts';
export { EvidenceError, type ErrorCode, errorMessage } from './errors.ts';
export { requireExhibitNamed } from './ingest/exhibit.ts';
export type { JobEvent } from './jobs/runner.ts';

// What a front door says when a case cannot be read or written (exit codes 7 and 8, the UI's messages).
export { damagedCase } from './db/open.ts';
export { caseWriteCode, caseWriteRemedy, describeCaseWriteCode } from './store/writeFaults.ts';

// Where signed receipts of checkpoints are kept outside the case, by default (the CLI, the browser host).
export { defaultReceiptsDir } from './custody/receipts.ts';

// Previews over HTTP (browser host) and the app:// protocol (Electron): ranges and safe headers.
export { type ByteRange, type OpenedContent, parseRange, previewHeaders } from './preview/content.ts';
export type { Thumbnail } from './preview/thumbs.ts';

// Times as the officer reads them: the case's UTC instants in the local zone.
export { formatLocal } from './time.ts';

// Bundles for prosecutors (issue 13): the manifest's schema and types (the renderers and review mode read them).
export * as bundleManifest from './bundle/manifest.ts';
export type { Manifest, BundleItem, BundleExhibit, BundleOfficer, BundleSelection, BundleStatement, CustodyLine } from './bundle/manifest.ts';
export type { ExportProgress, ExportResult, ExportSelection } from './bundle/export.ts';
export type { BundleFinding, BundleReport } from './bundle/verify.ts';
// Review mode: whether a path given where a case goes is a bundle (the CLI opens it for review instead).
export { looksLikeBundle } from './bundle/review.ts';
