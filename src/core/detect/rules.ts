// Rule packs: data (JSON), not code. Shipped packs live in assets/rules/*.json; a case can add
// its own (stored in the case, see suggestions.ts). A rule suggests one tag when all of its
// conditions hold:
//   - keywords: weighted phrases (any language); the weights of the distinct phrases found are
//     summed and must reach minScore, with at least minDistinct different phrases;
//   - metrics: detector counts (METRICS in detect.ts) with a min and/or max each.
// The score of a hit is how far the weakest "min" condition clears its bar (1.0 = just there,
// 2.0 = twice the threshold), so the officer sees the strongest suggestions first.
import { z } from 'zod';
import type { SuggestionEvidence as Evidence } from '../../shared/outputs.ts';
import money from '../../../assets/rules/money.json' with { type: 'json' };
import operations from '../../../assets/rules/operations.json' with { type: 'json' };
import scamScripts from '../../../assets/rules/scam-scripts.json' with { type: 'json' };
import targetLists from '../../../assets/rules/target-lists.json' with { type: 'json' };
import { EvidenceError } from '../errors.ts';
import { type DetectionReport, METRIC_NAMES, METRICS, type MetricName, metricsOf, normaliseText, samplesFor } from './detect.ts';

const id = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'use lowercase letters, digits, dots, dashes or underscores (at most 64)');

const term = z.object({
  text: z.string().trim().min(1, 'a keyword cannot be empty'),
  weight: z.number().positive().max(100).default(1),
});

const keywords = z.object({
  lang: z.string().min(2).max(16).optional(),
  terms: z.array(term).min(1, 'give at least one keyword'),
  minScore: z.number().positive(),
  minDistinct: z.number().int().min(1).default(1),
});

const metric = z
  .object({
    metric: z.enum(METRIC_NAMES as [MetricName, ...MetricName[]], { message: `a metric is one of: ${METRIC_NAMES.join(', ')}` }),
    min: z.number().nonnegative().optional(),
    max: z.number().nonnegative().optional(),
  })
  .refine((m) => m.min !== undefined || m.max !== undefined, { message: 'a metric condition needs a min or a max' });

const rule = z
  .object({
    id,
    tag: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'a tag id is lowercase with dashes, e.g. "target-list"'),
    description: z.string().trim().min(1, 'say what the rule finds'),
    keywords: keywords.optional(),
    metrics: z.array(metric).default([]),
  })
  .refine((r) => r.keywords !== undefined || r.metrics.some((m) => m.min !== undefined && m.min > 0), {
    message: 'a rule needs keywords or at least one metric with a min above 0 (or it would match everything)',
  });

export const rulePackSchema = z
  .object({
    id,
    name: z.string().trim().min(1),
    version: z.number().int().min(1),
    description: z.string().optional(),
    rules: z.array(rule).min(1, 'a rule pack needs at least one rule'),
  })
  .refine((p) => new Set(p.rules.map((r) => r.id)).size === p.rules.length, { message: 'rule ids must be unique within a pack' });

export type RulePack = z.output<typeof rulePackSchema>;
export type Rule = RulePack['rules'][number];

/** Parses and validates a rule pack, with every problem in one sentence. */
export function parseRulePack(json: string, where: string): RulePack {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (err) {
    throw new EvidenceError('USAGE', `${where} is not valid JSON: ${(err as Error).message}`);
  }
  const r = rulePackSchema.safeParse(raw);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || 'pack'}: ${i.message}`).join('; ');
    throw new EvidenceError('USAGE', `${where} is not a valid rule pack: ${issues}`);
  }
  return r.data;
}

/**
 * The shipped rule packs. Imported as JSON (not read from a folder at run time) so they travel
 * inside the app bundle too; a new shipped pack is one more file in assets/rules and one more
 * line here. Validated like any case pack.
 */
const SHIPPED: Record<string, unknown> = {
  'target-lists.json': targetLists,
  'scam-scripts.json': scamScripts,
  'money.json': money,
  'operations.json': operations,
};

export function shippedRulePacks(): RulePack[] {
  return Object.entries(SHIPPED).map(([name, json]) => parseRulePack(JSON.stringify(json), `assets/rules/${name}`));
}

export interface RuleHit {
  /** pack id / rule id */
  ruleId: string;
  tag: string;
  score: number;
  evidence: Evidence;
}

// Defined once, as the contract's output schemas (src/shared/outputs.ts): it reaches the UI in each suggestion.
export type { Evidence };

/** Occurrences of each keyword (NFKC, case-insensitive), for the packs' distinct keywords. */
export function countKeywords(text: string, terms: Iterable<string>): Map<string, number> {
  const hay = normaliseText(text).toLowerCase();
  const out = new Map<string, number>();
  for (const t of terms) {
    if (out.has(t)) continue;
    const needle = normaliseText(t).toLowerCase();
    // Latin words match whole words only ("court" is not in "courtesy"); CJK has no spaces.
    const wordy = /^[\x20-\x7e]+$/.test(needle);
    const isWordChar = (c: string | undefined): boolean => c !== undefined && /[a-z0-9]/.test(c);
    let n = 0;
    let at = hay.indexOf(needle);
    while (at >= 0 && n < 1000) {
      if (!wordy || ((!isWordChar(needle[0]) || !isWordChar(hay[at - 1])) && (!isWordChar(needle.at(-1)) || !isWordChar(hay[at + needle.length])))) n++;
      at = hay.indexOf(needle, at + needle.length);
    }
    out.set(t, n);
  }
  return out;
}

const fmt = (metric: MetricName, v: number): string =>
  metric === 'phones.lineShare' ? `${Math.round(v * 100)}%` : Number.isInteger(v) ? v.toLocaleString('en-US') : v.toFixed(2);

/** Evaluates every rule of the packs against one text's detector report. */
export function evaluateRules(packs: readonly RulePack[], report: DetectionReport, text: string): RuleHit[] {
  const metrics = metricsOf(report);
  const allTerms = new Set(packs.flatMap((p) => p.rules.flatMap((r) => r.keywords?.terms.map((t) => t.text) ?? [])));
  const counts = allTerms.size ? countKeywords(text, allTerms) : new Map<string, number>();
  const hits: RuleHit[] = [];
  for (const pack of packs) {
    for (const r of pack.rules) {
      const ratios: number[] = [];
      let ok = true;
      const parts: string[] = [];
      const used: Record<string, number> = {};
      const samples: Record<string, string[]> = {};
      for (const c of r.metrics) {
        const v = metrics[c.metric];
        if (c.min !== undefined && v < c.min) ok = false;
        if (c.max !== undefined && v > c.max) ok = false;
        if (c.min !== undefined && c.min > 0) ratios.push(v / c.min);
        used[c.metric] = v;
        if (c.min === undefined) continue;
        parts.push(`${fmt(c.metric, v)} ${METRICS[c.metric]}`);
        // Samples back the counts the summary states, each of its own kind (a verified count is
        // shown with verified addresses only); a family with two stated counts gets both kinds.
        const family = c.metric.split('.')[0]!;
        const s = samplesFor(report, c.metric);
        if (s.length) samples[family] = [...new Set([...(samples[family] ?? []), ...s])];
      }
      let kw: Record<string, number> | undefined;
      if (r.keywords && ok) {
        const found = r.keywords.terms.filter((t) => (counts.get(t.text) ?? 0) > 0);
        const score = found.reduce((a, t) => a + t.weight, 0);
        if (score < r.keywords.minScore || found.length < r.keywords.minDistinct) ok = false;
        ratios.push(score / r.keywords.minScore);
        kw = Object.fromEntries(found.map((t) => [t.text, counts.get(t.text)!]));
        const listed = found
          .sort((a, b) => counts.get(b.text)! - counts.get(a.text)!)
          .slice(0, 6)
          .map((t) => `${t.text} ×${counts.get(t.text)}`);
        parts.unshift(`${found.length} of ${r.keywords.terms.length} phrases${r.keywords.lang ? ` (${r.keywords.lang})` : ''}: ${listed.join(', ')}`);
      }
      if (!ok) continue;
      const score = ratios.length ? Math.min(...ratios) : 1;
      const sampleList = Object.values(samples).flat().slice(0, 5);
      const summary = `${parts.join('; ')}${sampleList.length ? `; sample: ${sampleList.join(', ')}` : ''}${report.truncated ? ' (text truncated: counts are lower bounds)' : ''}`;
      hits.push({
        ruleId: `${pack.id}/${r.id}`,
        tag: r.tag,
        score: Math.round(score * 100) / 100,
        evidence: {
          summary,
          rule: { pack: pack.id, id: r.id, description: r.description },
          metrics: used,
          ...(kw ? { keywords: kw } : {}),
          samples,
          truncated: report.truncated,
        },
      });
    }
  }
  return hits.sort((a, b) => b.score - a.score);
}
