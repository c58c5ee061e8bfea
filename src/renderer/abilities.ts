// What each role is shown (issue 14 item 9), from the one table of roles (shared/roles.ts): the
// navigation hides the screens a role may not use, so a reviewer is never offered Ingest or the
// officers' administration only to be refused after submitting.
import { can, type Permission } from '../shared/roles.ts';

/** The navigation entries that need a permission beyond viewing (the rest every role sees). */
const NAV_PERMISSION: Record<string, Permission> = {
  ingest: 'ingest',
  export: 'export',
  verify: 'verify',
  officers: 'manage-officers',
  // The queue is for deciding (accepting tags evidence): a reviewer reads tags, not suggestions.
  suggestions: 'tag',
};

/** The navigation keys a role does not see. */
export function hiddenNav(role: string | null | undefined): string[] {
  return Object.entries(NAV_PERMISSION)
    .filter(([, p]) => !can(role, p))
    .map(([k]) => k);
}
