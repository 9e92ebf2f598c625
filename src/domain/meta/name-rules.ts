/**
 * Kubernetes' naming rules (DNS-1123 names, qualified names, label values). Each validator
 * returns the messages of what is wrong, empty when the value is fine; callers add the field
 * path and the value.
 */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export const DNS1123_LABEL_MAX = 63;
export const DNS1123_SUBDOMAIN_MAX = 253;
export const QUALIFIED_NAME_MAX = 63;
export const LABEL_VALUE_MAX = 63;

export function validateDns1123Label(value: string): string[] {
  const errs: string[] = [];
  if (value.length > DNS1123_LABEL_MAX) errs.push(`must be no more than ${DNS1123_LABEL_MAX} characters`);
  if (!DNS1123_LABEL.test(value)) {
    errs.push(
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc')",
    );
  }
  return errs;
}

export function validateDns1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (value.length > DNS1123_SUBDOMAIN_MAX) errs.push(`must be no more than ${DNS1123_SUBDOMAIN_MAX} characters`);
  if (!DNS1123_SUBDOMAIN.test(value)) {
    errs.push(
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com')",
    );
  }
  return errs;
}

/**
 * A name or name prefix (generateName) of an object: a DNS-1123 subdomain. A prefix may end in
 * '-' or '.', since a random suffix follows it.
 */
export function validateObjectName(value: string, prefix: boolean): string[] {
  const candidate = prefix ? maskTrailingDash(value) : value;
  return validateDns1123Subdomain(candidate);
}

/** A namespace name: a DNS-1123 label. */
export function validateNamespaceName(value: string, prefix: boolean): string[] {
  const candidate = prefix ? maskTrailingDash(value) : value;
  return validateDns1123Label(candidate);
}

/** Names usable as a path segment only (no '/', '%', not '.' or '..'). */
export function validatePathSegmentName(value: string, prefix: boolean): string[] {
  const errs: string[] = [];
  if (!prefix && (value === '.' || value === '..')) errs.push(`may not be '${value}'`);
  for (const bad of ['/', '%']) if (value.includes(bad)) errs.push(`may not contain '${bad}'`);
  return errs;
}

function maskTrailingDash(value: string): string {
  // generateName "web-" is fine: the server appends characters, so test it as "web-a".
  return value.length > 0 && (value.endsWith('-') || value.endsWith('.')) ? `${value}a` : value;
}

/**
 * A qualified name: an optional DNS-1123 subdomain prefix and '/', then a name of at most 63
 * characters of alphanumerics, '-', '_' and '.', starting and ending alphanumeric. Label keys,
 * annotation keys and finalizers use it.
 */
export function validateQualifiedName(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0];
  } else if (parts.length === 2) {
    const [prefix, rest] = parts;
    name = rest;
    if (prefix.length === 0) {
      errs.push('prefix part must be non-empty');
    } else {
      for (const msg of validateDns1123Subdomain(prefix)) errs.push(`prefix part ${msg}`);
    }
  } else {
    errs.push(
      "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    );
    return errs;
  }
  if (name.length === 0) {
    errs.push('name part must be non-empty');
  } else if (name.length > QUALIFIED_NAME_MAX) {
    errs.push(`name part must be no more than ${QUALIFIED_NAME_MAX} characters`);
  }
  if (name.length > 0 && !QUALIFIED_NAME_PART.test(name)) {
    errs.push(
      "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    );
  }
  return errs;
}

/** A label value: empty, or at most 63 characters as in a qualified name's name part. */
export function validateLabelValue(value: string): string[] {
  const errs: string[] = [];
  if (value.length > LABEL_VALUE_MAX) errs.push(`must be no more than ${LABEL_VALUE_MAX} characters`);
  if (!LABEL_VALUE.test(value)) {
    errs.push(
      "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    );
  }
  return errs;
}
