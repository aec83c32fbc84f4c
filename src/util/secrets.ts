/**
 * Every secret ferry reads or derives (passwords, base64 basic blobs, bearer tokens) is
 * registered here before it can reach a log line. The action wires `setMasker` to
 * `core.setSecret`; `redact` scrubs known secrets from any text ferry prints or reports.
 */

const secrets = new Set<string>();
let masker: ((s: string) => void) | undefined;

export function setMasker(fn: ((s: string) => void) | undefined): void {
  masker = fn;
  if (fn) for (const s of secrets) fn(s);
}

export function registerSecret(value: string | undefined): void {
  if (!value || value.length < 4 || secrets.has(value)) return;
  secrets.add(value);
  masker?.(value);
}

export function redact(text: string): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join('***');
  return out;
}
