// Engine errors in the user's language, by their code. The engine's messages are English and
// carry the specifics (which path, which field); a translated UI shows its own sentence for the
// code with those specifics after it, and an unknown code keeps the engine's message with the
// code, so nothing is hidden and nothing is guessed.
import i18n from './i18n.ts';

/** The text to show for an error {code, message} from the engine, in the UI's language now. */
export function localizedError(code: string, message: string): string {
  const lang = i18n.language ?? 'en';
  if (lang === 'en' || lang.startsWith('en-')) return message;
  const key = `error.${code}`;
  if (!i18n.exists(key)) return `${message} [${code}]`;
  const sentence = i18n.t(key);
  return message && message !== sentence ? `${sentence}（${message}）` : sentence;
}
