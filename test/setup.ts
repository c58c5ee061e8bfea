// Loaded before every test file (npm test passes --import; the shared test helpers import it
// too). Officers in tests sign in with one known password, and new passwords use a lower
// scrypt cost (2^14 instead of 2^17) so hundreds of sign-ins stay fast. Child processes of the
// CLI inherit both through the environment.
export const TEST_PASSWORD = 'test-password-1234';
process.env.EVIDENCE_PASSWORD ??= TEST_PASSWORD;
process.env.EVIDENCE_TO_PASSWORD ??= TEST_PASSWORD;
process.env.EVIDENCE_NEW_PASSWORD ??= TEST_PASSWORD;
process.env.EVIDENCE_SCRYPT_N ??= String(2 ** 14);
export const TEST_SCRYPT_N = 2 ** 14;
// Receipts of checkpoints (custody/receipts.ts) are not left in the user's app-data folder by
// tests: copies of one template case, each worked on, would be forks of one case. The custody
// attack tests give their own receipts folder.
process.env.EVIDENCE_RECEIPTS_DIR ??= 'none';
