/**
 * WWW-Authenticate parsing (RFC 7235). Real headers seen:
 *   Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"
 *   Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:user/image:pull"
 *   Basic realm="harbor"   (Harbor on /v2/_catalog)
 *   Bearer realm="…",error="insufficient_scope",scope="repository:a:pull repository:b:pull"
 */

export interface Challenge {
  scheme: 'basic' | 'bearer' | string;
  params: Record<string, string>;
}

/** Parses one or more challenges from a WWW-Authenticate header value. */
export function parseChallenges(header: string | string[] | undefined): Challenge[] {
  if (!header) return [];
  const text = Array.isArray(header) ? header.join(', ') : header;
  const out: Challenge[] = [];
  let i = 0;
  const n = text.length;
  const skipWs = () => {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === ',')) i++;
  };
  while (i < n) {
    skipWs();
    const m = /^[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*/.exec(text.slice(i));
    if (!m) break;
    const scheme = m[0].toLowerCase();
    i += m[0].length;
    const params: Record<string, string> = {};
    for (;;) {
      const save = i;
      skipWs();
      const km = /^([A-Za-z][A-Za-z0-9_-]*)\s*=\s*/.exec(text.slice(i));
      if (!km?.[1]) {
        i = save;
        break;
      }
      i += km[0].length;
      let value = '';
      if (text[i] === '"') {
        i++;
        while (i < n && text[i] !== '"') {
          if (text[i] === '\\' && i + 1 < n) i++;
          value += text[i];
          i++;
        }
        i++;
      } else {
        const vm = /^[^\s,]*/.exec(text.slice(i));
        value = vm?.[0] ?? '';
        i += value.length;
      }
      params[km[1].toLowerCase()] = value;
    }
    out.push({ scheme, params });
  }
  return out;
}

/** A scope string `repository:<name>:<actions>`. */
export function repositoryScope(repository: string, actions: string[]): string {
  return `repository:${repository}:${actions.join(',')}`;
}
