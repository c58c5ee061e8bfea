// E-mail addresses, URLs and the domains they name.
//  - E-mail: local@domain.tld with a letters-only TLD of 2-24 characters; "icon@2x.png"-style
//    file names (a TLD that is a common file extension) are not addresses. Compared lowercased.
//  - URL: http(s)://, ftp:// or www. up to a space, a quote or a bracket (ASCII or Japanese), with
//    trailing punctuation dropped. Domains come from URLs and e-mail addresses only: a bare
//    "example.com" in text is too often "object.method" in code to count.

const FILE_EXTS = new Set(
  'png jpg jpeg gif svg webp bmp tif tiff ico heic js mjs cjs ts tsx jsx css scss json xml html htm txt csv md pdf doc docx xls xlsx ppt pptx zip gz tar rar mp3 mp4 mov avi wav ogg log ini cfg yml yaml lock map php py rb java kt swift go rs'.split(' '),
);
const RE_EMAIL = /(?<![\w.%+-])[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,62}[A-Za-z0-9_%+-])?@((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+([A-Za-z]{2,24}))(?![\w-])/g;
const RE_URL = /\b(?:(?:https?|ftp):\/\/|www\.)[^\s<>"'`「」『』（）()【】[\]{}|\\^]+/gi;

export interface ContactFindings {
  emails: Set<string>;
  emailOccurrences: number;
  urls: Set<string>;
  domains: Set<string>;
}

function hostOf(url: string): string | null {
  try {
    const u = new URL(/^www\./i.test(url) ? `http://${url}` : url);
    return u.hostname.toLowerCase() || null;
  } catch {
    return null;
  }
}

export function findContacts(text: string): ContactFindings {
  const f: ContactFindings = { emails: new Set(), emailOccurrences: 0, urls: new Set(), domains: new Set() };
  for (const m of text.matchAll(RE_EMAIL)) {
    if (FILE_EXTS.has(m[2]!.toLowerCase())) continue;
    f.emails.add(m[0].toLowerCase());
    f.domains.add(m[1]!.toLowerCase());
    f.emailOccurrences++;
  }
  for (const m of text.matchAll(RE_URL)) {
    const url = m[0].replace(/[.,;:!?。、)\]]+$/u, '');
    const host = hostOf(url);
    if (!host || !host.includes('.')) continue;
    f.urls.add(url);
    f.domains.add(host.replace(/^www\./, ''));
  }
  return f;
}
