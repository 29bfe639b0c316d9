import { z } from 'zod';
import { mapKeysCel } from './cel-rules.js';

/** A label (or annotation) key: an optional DNS-subdomain prefix and a name of at most 63 characters. */
export const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
export const LABEL_KEY_MAX = 253 + 1 + 63;
/** A label value: empty, or up to 63 characters of [A-Za-z0-9-_.] starting and ending with a letter or digit. */
export const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
export const LABEL_VALUE_MAX = 63;
/** A DNS-1123 subdomain, as the names of Secrets and PriorityClasses are. */
export const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export const labelKey = () => z.string().regex(LABEL_KEY).max(LABEL_KEY_MAX);
export const labelValue = () => z.string().regex(LABEL_VALUE).max(LABEL_VALUE_MAX);

// propertyNames cannot go into a CRD: the API server checks the keys with CEL.
const KEY_RULE = {
  rule: mapKeysCel(LABEL_KEY, LABEL_KEY_MAX),
  message: 'every key must be a label key: [prefix/]name, the name at most 63 characters of [A-Za-z0-9-_.]',
};

const noneOf = (keys: readonly string[]) => `!(${keys.map((k) => `'${k}' in self`).join(' || ')})`;

/**
 * A map of label keys to `value`s (label values, or annotation text), its keys checked by CEL in the CRD too; with
 * `refused`, those keys are refused by both enforcements with `message`.
 */
export const keyedMap = (value: z.ZodString, refused?: { keys: readonly string[]; message: string }) => {
  const map = z.record(labelKey(), value);
  const rules = refused === undefined ? [KEY_RULE] : [KEY_RULE, { rule: noneOf(refused.keys), message: refused.message }];
  const checked = refused === undefined ? map : map.refine((m) => refused.keys.every((k) => !(k in m)), { message: refused.message });
  return checked.meta({ maxProperties: 64, 'x-kubernetes-validations': rules });
};

/** Extra labels on one of the children: a map that is empty unless set. */
export const labels = (what: string) =>
  z
    .record(labelKey(), z.string().max(LABEL_VALUE_MAX))
    .default({})
    .meta({ maxProperties: 64, 'x-kubernetes-validations': [KEY_RULE] })
    .describe(what);
