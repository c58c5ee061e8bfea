// Who may do what: the one table of roles and their abilities. The engine enforces it
// (core/officers/accounts.ts requirePermission, on every call), sessionInfo lists the methods a
// session may call from it, and the app shows each role only the controls it may use, so the
// window never offers what the engine would refuse after the officer has filled a form.
// Pure TypeScript: no node, no dom.
import type { MethodName } from './contract.ts';
import type { ROLE_NAMES } from './outputs.ts';

export type Role = (typeof ROLE_NAMES)[number];

export type Permission =
  | 'view'
  | 'ingest'
  | 'record-exhibit'
  | 'tag'
  | 'note'
  | 'export'
  | 'verify'
  | 'transfer'
  | 'checkpoint'
  | 'review'
  | 'manage-officers'
  // Be the custodian of an exhibit (receive it in a transfer). Reviewers never hold evidence.
  | 'hold-custody';

export const PERMISSIONS: Record<Role, readonly Permission[]> = {
  // Field officers record and work the evidence.
  officer: ['view', 'ingest', 'record-exhibit', 'tag', 'note', 'export', 'verify', 'transfer', 'checkpoint', 'hold-custody'],
  // Examiners do all of that and manage who works the case.
  examiner: ['view', 'ingest', 'record-exhibit', 'tag', 'note', 'export', 'verify', 'transfer', 'checkpoint', 'review', 'manage-officers', 'hold-custody'],
  // Reviewers (prosecutors) look, verify and read; they never change the catalogue or its notes.
  reviewer: ['view', 'verify', 'review', 'checkpoint'],
  admin: ['view', 'ingest', 'record-exhibit', 'tag', 'note', 'export', 'verify', 'transfer', 'checkpoint', 'review', 'manage-officers', 'hold-custody'],
};

/** True when the role has the permission; false for an unknown role (a front door never guesses). */
export function can(role: string | null | undefined, p: Permission): boolean {
  return !!role && Object.hasOwn(PERMISSIONS, role) && PERMISSIONS[role as Role].includes(p);
}

/**
 * The permission each method of a signed-in session needs, as the engine checks it (methods not
 * listed need only a session, or none). sessionInfo answers a role's methods from it.
 */
export const METHOD_PERMISSION: Partial<Record<MethodName, Permission>> = {
  addOfficer: 'manage-officers',
  setOfficerStatus: 'manage-officers',
  addExhibit: 'record-exhibit',
  recordSeal: 'record-exhibit',
  transferCustody: 'transfer',
  checkpoint: 'checkpoint',
  addWitness: 'checkpoint',
  ingest: 'ingest',
  startIngest: 'ingest',
  reindexText: 'ingest',
  startReindex: 'ingest',
  importHashset: 'ingest',
  startHashsetImport: 'ingest',
  getItem: 'view',
  getItemText: 'view',
  search: 'view',
  listTags: 'view',
  verify: 'verify',
  startVerify: 'verify',
  runSuggestions: 'tag',
  decideSuggestions: 'tag',
  addRulePack: 'tag',
  addTag: 'tag',
  tagItems: 'tag',
  untagItems: 'tag',
  addNote: 'note',
  removeNote: 'note',
  startExport: 'export',
};

/** Whether a role may call a method (as far as its role goes: the engine may still refuse for other reasons). */
export function mayCall(role: string | null | undefined, method: MethodName): boolean {
  const p = METHOD_PERMISSION[method];
  return p === undefined || can(role, p);
}
