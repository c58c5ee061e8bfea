// The type, exhibit and tag choosers the catalogue and the search screen share: the same three
// filters of the one item filter (src/core/catalogue/filter.ts), drawn once.
import { useContext } from 'react';
import { useTranslation } from 'react-i18next';
import { FAMILY_NAMES } from '../shared/outputs.ts';
import type { Output } from './api.ts';
import type { Family } from './Nav.tsx';
import { TagsContext, tagLabel } from './Tags.tsx';

export interface FilterChoice {
  family?: Family;
  exhibit?: string;
  tag?: string;
}

export function FilterSelects(props: {
  /** Prefix of the selects' test ids: `${testIds}-family`, `-exhibit`, `-tag`. */
  testIds: string;
  value: FilterChoice;
  exhibits: Output<'listExhibits'>;
  onChange: (patch: FilterChoice) => void;
}) {
  const { t, i18n } = useTranslation();
  const { tags } = useContext(TagsContext);
  const { value, onChange } = props;
  return (
    <>
      <label>
        <span>{t('filters.type')}</span>
        <select data-testid={`${props.testIds}-family`} value={value.family ?? ''} onChange={(e) => onChange({ family: (e.target.value || undefined) as Family | undefined })}>
          <option value="">{t('filters.allTypes')}</option>
          {FAMILY_NAMES.map((f) => (
            <option key={f} value={f}>
              {t(`families.${f}`)}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span>{t('filters.exhibit')}</span>
        <select data-testid={`${props.testIds}-exhibit`} value={value.exhibit ?? ''} onChange={(e) => onChange({ exhibit: e.target.value || undefined })}>
          <option value="">{t('filters.allExhibits')}</option>
          {props.exhibits.map((x) => (
            <option key={x.number} value={x.number}>
              {x.number}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span>{t('review.filters.tag')}</span>
        <select data-testid={`${props.testIds}-tag`} value={value.tag ?? ''} onChange={(e) => onChange({ tag: e.target.value || undefined })}>
          <option value="">{t('review.filters.anyTag')}</option>
          {tags.map((x) => (
            <option key={x.id} value={x.id}>
              {tagLabel(x, i18n.language)}
            </option>
          ))}
        </select>
      </label>
    </>
  );
}
