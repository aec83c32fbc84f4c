export const id = 310;
export const ids = [310];
export const modules = {

/***/ 8825:
/***/ ((__unused_webpack_module, exports, __webpack_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.InvalidDigestError = void 0;
exports.isDigest = isDigest;
exports.parseDigest = parseDigest;
exports.algorithmOf = algorithmOf;
exports.hasherFor = hasherFor;
exports.sha256 = sha256;
exports.digestLike = digestLike;
exports.shortDigest = shortDigest;
const node_crypto_1 = __webpack_require__(7598);
const DIGEST_RE = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;
class InvalidDigestError extends Error {
    name = 'InvalidDigestError';
}
exports.InvalidDigestError = InvalidDigestError;
/** True when `s` is a digest ferry accepts (CVE-2024-3727: never put an unchecked digest in a URL or path). */
function isDigest(s) {
    return typeof s === 'string' && DIGEST_RE.test(s);
}
/** Returns `s` as a Digest or throws naming where it came from. */
function parseDigest(s, where = 'digest') {
    if (!isDigest(s)) {
        const shown = typeof s === 'string' ? JSON.stringify(s.slice(0, 100)) : typeof s;
        throw new InvalidDigestError(`${where}: invalid digest ${shown}, expected sha256:<64 hex> or sha512:<128 hex>`);
    }
    return s;
}
function algorithmOf(d) {
    return d.startsWith('sha512:') ? 'sha512' : 'sha256';
}
function hasherFor(d) {
    return (0, node_crypto_1.createHash)(algorithmOf(d));
}
function sha256(data) {
    return `sha256:${(0, node_crypto_1.createHash)('sha256').update(data).digest('hex')}`;
}
/** Digest of `data` with the same algorithm as `like`. */
function digestLike(like, data) {
    return `${algorithmOf(like)}:${(0, node_crypto_1.createHash)(algorithmOf(like)).update(data).digest('hex')}`;
}
/** `sha256:0123456789ab` — for humans. */
function shortDigest(d, n = 12) {
    const i = d.indexOf(':');
    return i < 0 ? d : d.slice(0, i + 1 + n);
}


/***/ }),

/***/ 2060:
/***/ ((__unused_webpack_module, exports, __webpack_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.InvalidManifestError = void 0;
exports.parseManifest = parseManifest;
exports.blobsOf = blobsOf;
exports.platformString = platformString;
/**
 * Manifest documents: parse, classify, and list what they point to.
 * The bytes are never re-serialised; this only reads them.
 * https://github.com/opencontainers/image-spec/blob/main/manifest.md, …/image-index.md
 */
const digest_js_1 = __webpack_require__(8825);
const media_types_js_1 = __webpack_require__(9217);
/** Go decodes JSON keys case-insensitively, JavaScript does not: a variant spelling is ambiguous. */
const CANONICAL_KEYS = new Map(['manifests', 'layers', 'config', 'mediaType', 'subject', 'artifactType'].map((k) => [k.toLowerCase(), k]));
class InvalidManifestError extends Error {
    name = 'InvalidManifestError';
}
exports.InvalidManifestError = InvalidManifestError;
function descriptor(v, where) {
    if (!v || typeof v !== 'object')
        throw new InvalidManifestError(`${where}: descriptor must be an object`);
    const o = v;
    if (typeof o.mediaType !== 'string')
        throw new InvalidManifestError(`${where}.mediaType: missing`);
    if (typeof o.size !== 'number' || !Number.isSafeInteger(o.size) || o.size < 0)
        throw new InvalidManifestError(`${where}.size: must be a non-negative integer`);
    const d = { mediaType: o.mediaType, digest: (0, digest_js_1.parseDigest)(o.digest, `${where}.digest`), size: o.size };
    if (o.platform && typeof o.platform === 'object') {
        const p = o.platform;
        if (typeof p.os === 'string' && typeof p.architecture === 'string')
            d.platform = {
                os: p.os,
                architecture: p.architecture,
                ...(typeof p.variant === 'string' ? { variant: p.variant } : {}),
            };
    }
    if (typeof o.artifactType === 'string')
        d.artifactType = o.artifactType;
    if (o.annotations && typeof o.annotations === 'object')
        d.annotations = o.annotations;
    if (Array.isArray(o.urls))
        d.urls = o.urls.filter((u) => typeof u === 'string');
    return d;
}
/**
 * Parses manifest bytes. `contentType` is the Content-Type the registry sent (or the
 * descriptor's media type). Ambiguous documents are rejected (CVE-2021-41190): both
 * `manifests` and `layers`/`config`, or a `mediaType` contradicting the content type.
 */
function parseManifest(bytes, contentType) {
    let doc;
    const text = Buffer.from(bytes).toString('utf8');
    try {
        doc = JSON.parse(text);
    }
    catch (e) {
        throw new InvalidManifestError(`manifest is not valid JSON: ${e.message}`);
    }
    // JSON.parse keeps the last of duplicate keys, Go's decoder too, other parsers the first: a
    // document with duplicates means different things to different readers (CVE-2021-41190 class).
    const duplicate = duplicateKey(text);
    if (duplicate !== undefined)
        throw new InvalidManifestError(`manifest has a duplicate key ${JSON.stringify(duplicate)}`);
    if (!doc || typeof doc !== 'object' || Array.isArray(doc))
        throw new InvalidManifestError('manifest must be a JSON object');
    const o = doc;
    for (const k of Object.keys(o)) {
        const canonical = CANONICAL_KEYS.get(k.toLowerCase());
        if (canonical && canonical !== k)
            throw new InvalidManifestError(`manifest has a case-variant key ${JSON.stringify(k)}`);
    }
    const declared = typeof o.mediaType === 'string' ? o.mediaType : undefined;
    const ct = contentType?.split(';')[0]?.trim();
    if (declared && ct && ct !== declared && !ct.startsWith('application/json'))
        throw new InvalidManifestError(`manifest mediaType ${declared} contradicts content type ${ct}`);
    const mediaType = declared ?? (ct && ct !== 'application/json' ? ct : undefined);
    if (o.schemaVersion === 1 || (mediaType && media_types_js_1.SCHEMA1_TYPES.has(mediaType)))
        throw new InvalidManifestError('Docker schema1 manifests are deprecated and not supported');
    const hasManifests = 'manifests' in o;
    const hasImageParts = 'layers' in o || 'config' in o;
    if (hasManifests && hasImageParts)
        throw new InvalidManifestError('manifest has both "manifests" and "layers"/"config"');
    const kind = hasManifests || (mediaType !== undefined && media_types_js_1.INDEX_TYPES.has(mediaType)) ? 'index' : 'manifest';
    // An index-typed document holding image parts was read as an empty index (its layers ignored).
    if (kind === 'index' && hasImageParts)
        throw new InvalidManifestError(`mediaType ${mediaType} is an index but the document has "layers"/"config"`);
    if (mediaType && kind === 'index' && media_types_js_1.MANIFEST_TYPES.has(mediaType))
        throw new InvalidManifestError(`mediaType ${mediaType} is an image manifest but the document is an index`);
    const list = (v, where) => {
        if (v === undefined)
            return [];
        if (!Array.isArray(v))
            throw new InvalidManifestError(`${where} must be an array`);
        return v.map((x, i) => descriptor(x, `${where}[${i}]`));
    };
    const parsed = {
        kind,
        mediaType: mediaType ?? (kind === 'index' ? media_types_js_1.MediaType.OciIndex : media_types_js_1.MediaType.OciManifest),
        manifests: kind === 'index' ? list(o.manifests, 'manifests') : [],
        layers: kind === 'manifest' ? list(o.layers, 'layers') : [],
        annotations: o.annotations && typeof o.annotations === 'object' ? o.annotations : {},
    };
    if (kind === 'manifest') {
        if (o.config === undefined)
            throw new InvalidManifestError('image manifest has no config');
        parsed.config = descriptor(o.config, 'config');
    }
    if (o.subject !== undefined)
        parsed.subject = descriptor(o.subject, 'subject');
    if (typeof o.artifactType === 'string')
        parsed.artifactType = o.artifactType;
    return parsed;
}
/** The blobs a manifest needs (config first, then layers). */
function blobsOf(m) {
    return m.config ? [m.config, ...m.layers] : [...m.layers];
}
function platformString(p) {
    if (!p)
        return '';
    return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}
/** The first key that appears twice in one object of a valid JSON text, if any. */
function duplicateKey(text) {
    // One Set of keys per open object; null for an open array.
    const stack = [];
    let expectKey = false;
    for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (c === '"') {
            let j = i + 1;
            while (j < text.length && text[j] !== '"')
                j += text[j] === '\\' ? 2 : 1;
            if (expectKey) {
                const key = JSON.parse(text.slice(i, j + 1));
                const keys = stack.at(-1);
                if (keys?.has(key))
                    return key;
                keys?.add(key);
                expectKey = false;
            }
            i = j;
        }
        else if (c === '{') {
            stack.push(new Set());
            expectKey = true;
        }
        else if (c === '[') {
            stack.push(null);
            expectKey = false;
        }
        else if (c === '}' || c === ']') {
            stack.pop();
            expectKey = false;
        }
        else if (c === ',') {
            expectKey = stack.at(-1) instanceof Set;
        }
    }
    return undefined;
}


/***/ }),

/***/ 9217:
/***/ ((__unused_webpack_module, exports) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.SCHEMA1_TYPES = exports.IMAGE_CONFIG_TYPES = exports.MANIFEST_TYPES = exports.INDEX_TYPES = exports.MANIFEST_ACCEPT = exports.MediaType = void 0;
/** Media types ferry understands. https://github.com/opencontainers/image-spec/blob/main/media-types.md */
exports.MediaType = {
    OciManifest: 'application/vnd.oci.image.manifest.v1+json',
    OciIndex: 'application/vnd.oci.image.index.v1+json',
    OciConfig: 'application/vnd.oci.image.config.v1+json',
    OciEmpty: 'application/vnd.oci.empty.v1+json',
    DockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
    DockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
    DockerConfig: 'application/vnd.docker.container.image.v1+json',
    DockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
    DockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
};
/**
 * Accept list sent on every manifest GET and HEAD. Distribution 2.8.2 rewrites by Accept:
 * without the list types it answers a manifest list with its amd64 child, schema2 by tag with
 * schema1, and an OCI index with 404 (registry/handlers/manifests.go). Schema1 types are listed
 * so schema1 is detected and refused rather than silently converted.
 */
exports.MANIFEST_ACCEPT = [
    exports.MediaType.OciIndex,
    exports.MediaType.OciManifest,
    exports.MediaType.DockerManifestList,
    exports.MediaType.DockerManifest,
    exports.MediaType.DockerSchema1Signed,
    exports.MediaType.DockerSchema1,
].join(', ');
exports.INDEX_TYPES = new Set([exports.MediaType.OciIndex, exports.MediaType.DockerManifestList]);
exports.MANIFEST_TYPES = new Set([exports.MediaType.OciManifest, exports.MediaType.DockerManifest]);
exports.IMAGE_CONFIG_TYPES = new Set([exports.MediaType.OciConfig, exports.MediaType.DockerConfig]);
exports.SCHEMA1_TYPES = new Set([exports.MediaType.DockerSchema1, exports.MediaType.DockerSchema1Signed]);


/***/ }),

/***/ 7700:
/***/ ((__unused_webpack_module, exports, __webpack_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.InvalidReferenceError = exports.DOCKER_HUB_API = exports.DOCKER_HUB = void 0;
exports.isTag = isTag;
exports.isRepository = isRepository;
exports.parseRepository = parseRepository;
exports.parseTag = parseTag;
exports.normalizeRegistry = normalizeRegistry;
exports.apiHost = apiHost;
exports.normalizeRepository = normalizeRepository;
exports.parseReference = parseReference;
exports.formatReference = formatReference;
/**
 * Image references, parsed and normalised like Docker does.
 * Grammar: https://github.com/distribution/reference/blob/main/regexp.go
 */
const digest_js_1 = __webpack_require__(8825);
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domainName = `${domainComponent}(?:\\.${domainComponent})*`;
const ipv6 = '\\[(?:[a-fA-F0-9:]+)\\]';
const port = ':[0-9]+';
const DOMAIN_RE = new RegExp(`^(?:${domainName}|${ipv6})(?:${port})?$`);
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const REPOSITORY_RE = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
const TAG_RE = /^[\w][\w.-]{0,127}$/;
const MAX_NAME = 255;
/** The names Docker Hub goes by; all mean one registry. */
exports.DOCKER_HUB = 'docker.io';
exports.DOCKER_HUB_API = 'registry-1.docker.io';
const HUB_ALIASES = new Set([
    'docker.io',
    'index.docker.io',
    'registry-1.docker.io',
    'hub.docker.com',
    'registry.hub.docker.com',
]);
class InvalidReferenceError extends Error {
    name = 'InvalidReferenceError';
}
exports.InvalidReferenceError = InvalidReferenceError;
function isTag(s) {
    return typeof s === 'string' && TAG_RE.test(s);
}
function isRepository(s) {
    return typeof s === 'string' && s.length <= MAX_NAME && REPOSITORY_RE.test(s);
}
/** Validates a repository path; throws with what is wrong and what is expected. */
function parseRepository(s, where = 'repository') {
    if (!isRepository(s)) {
        const shown = typeof s === 'string' ? JSON.stringify(s.slice(0, 300)) : typeof s;
        throw new InvalidReferenceError(`${where}: invalid repository name ${shown}: expected lowercase path components [a-z0-9] separated by '/', '.', '_', '__' or '-' (at most ${MAX_NAME} characters)`);
    }
    return s;
}
function parseTag(s, where = 'tag') {
    if (!isTag(s)) {
        const shown = typeof s === 'string' ? JSON.stringify(s.slice(0, 200)) : typeof s;
        throw new InvalidReferenceError(`${where}: invalid tag ${shown}: expected [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`);
    }
    return s;
}
/** `hub.docker.com`, `index.docker.io`, … → `docker.io`; lowercases nothing else. */
function normalizeRegistry(host) {
    const h = host.toLowerCase();
    return HUB_ALIASES.has(h) ? exports.DOCKER_HUB : host;
}
/** The host:port to send API requests to (`registry-1.docker.io` for Hub). */
function apiHost(registry) {
    return normalizeRegistry(registry) === exports.DOCKER_HUB ? exports.DOCKER_HUB_API : registry;
}
/** Docker Hub's official images live under `library/`. */
function normalizeRepository(registry, repository) {
    if (normalizeRegistry(registry) === exports.DOCKER_HUB && !repository.includes('/'))
        return `library/${repository}`;
    return repository;
}
/** Parses `[registry/]repo[:tag][@digest]` like `docker pull` does. */
function parseReference(input) {
    const bad = (why) => {
        throw new InvalidReferenceError(`invalid reference ${JSON.stringify(input.slice(0, 300))}: ${why}`);
    };
    if (!input || input.trim() !== input)
        bad('empty or surrounded by whitespace');
    let rest = input;
    let digest;
    const at = rest.indexOf('@');
    if (at >= 0) {
        const d = rest.slice(at + 1);
        if (!(0, digest_js_1.isDigest)(d))
            bad('digest must be sha256:<64 lowercase hex> or sha512:<128 lowercase hex>');
        digest = d;
        rest = rest.slice(0, at);
    }
    let tag;
    const lastSlash = rest.lastIndexOf('/');
    const colon = rest.lastIndexOf(':');
    if (colon > lastSlash) {
        tag = rest.slice(colon + 1);
        if (!isTag(tag))
            bad('tag must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}');
        rest = rest.slice(0, colon);
    }
    let registry = exports.DOCKER_HUB;
    const slash = rest.indexOf('/');
    if (slash >= 0) {
        const first = rest.slice(0, slash);
        if (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase()) {
            if (!DOMAIN_RE.test(first))
                bad(`registry ${JSON.stringify(first)} is not a valid host[:port]`);
            registry = normalizeRegistry(first);
            rest = rest.slice(slash + 1);
        }
    }
    if (!isRepository(rest))
        bad('repository must be lowercase path components [a-z0-9] separated by /, ., _, __ or -');
    const repository = normalizeRepository(registry, rest);
    if (registry.length + 1 + repository.length > MAX_NAME)
        bad(`name longer than ${MAX_NAME} characters`);
    return { registry, repository, ...(tag !== undefined ? { tag } : {}), ...(digest ? { digest } : {}) };
}
/** `registry/repository[:tag][@digest]`. */
function formatReference(ref) {
    return `${ref.registry}/${ref.repository}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}


/***/ }),

/***/ 8720:
/***/ ((__unused_webpack_module, exports, __webpack_require__) => {


// The planner: a pure diff of source and destination tags into one action per tag.
//
// Per destination tag:
//   copy       the tag is missing at the destination
//   unchanged  same digest on both sides
//   update     digests differ and the rule has override on
//   kept       digests differ and override is off (a warning, as Harbor leaves it alone)
//   delete     the destination tag is inside the rule's scope, absent at the source, and
//              delete_remote is on
// "Inside the rule's scope" means the tag passes the rule's tag filter and semver range (see
// compileTagScope): a destination tag the rule could never have written is never deleted.
// Deletions never remove a destination repository, only tags of repositories the rule maps to.
//
// Deletions are bounded:
// - none for a destination repository whose source listing failed or came back empty;
// - none for a rule whose filters match everything unless delete_remote acknowledges it;
// - past delete_remote.max for the rule, all the rule's deletions are refused (deletionsRefused);
// - a tag whose digest is also the digest of a destination tag that stays (unchanged, kept, the new
//   digest of an updated or copied tag, a tag out of scope, or any tag not deleted) is marked with
//   `sharedWithKept`: deleting that manifest by digest would take the other tags along.
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.planRule = planRule;
exports.planAll = planAll;
exports.countPlan = countPlan;
const index_js_1 = __webpack_require__(5755);
function cmp(a, b) {
    return a < b ? -1 : a > b ? 1 : 0;
}
function compareItems(a, b) {
    return (cmp(a.destinationRepository, b.destinationRepository) ||
        cmp(a.tag, b.tag) ||
        cmp(a.sourceRepository ?? '', b.sourceRepository ?? ''));
}
function sharedReason(digest, tags) {
    const list = tags.join(', ');
    return `shares digest ${digest} with kept tag${tags.length > 1 ? 's' : ''} ${list}`;
}
function planRule(rule, repos, _opts = {}) {
    const warnings = [];
    const items = [];
    const deletions = [];
    const inScope = (0, index_js_1.compileTagScope)(rule.filters);
    // Group by destination: two source repositories flattened onto one destination must be diffed
    // together, or each would delete the other's tags.
    const groups = new Map();
    const sorted = [...repos].sort((a, b) => cmp(a.destinationRepository, b.destinationRepository) || cmp(a.sourceRepository, b.sourceRepository));
    for (const repo of sorted) {
        const group = groups.get(repo.destinationRepository);
        if (group)
            group.push(repo);
        else
            groups.set(repo.destinationRepository, [repo]);
    }
    for (const [dest, group] of groups) {
        const first = group[0];
        const destination = first.destination;
        if (group.length > 1) {
            warnings.push(`several source repositories map to ${dest}: ${group.map((g) => g.sourceRepository).join(', ')}; ` +
                'check the destination namespace and flattening');
        }
        // tag → the source repository (first by name) and digest it is replicated from
        const sourceTags = new Map();
        for (const repo of group) {
            for (const [tag, digest] of [...repo.source].sort((a, b) => cmp(a[0], b[0]))) {
                const already = sourceTags.get(tag);
                if (!already) {
                    sourceTags.set(tag, { repo: repo.sourceRepository, digest });
                }
                else if (already.digest !== digest) {
                    warnings.push(`${dest}:${tag} comes from both ${already.repo} and ${repo.sourceRepository} with different ` +
                        `digests; only ${already.repo} is replicated`);
                }
            }
        }
        // final digest of every destination tag that stays after this run → its tags
        const staying = new Map();
        const stay = (digest, tag) => {
            if (digest === undefined)
                return;
            const tags = staying.get(digest);
            if (tags)
                tags.push(tag);
            else
                staying.set(digest, [tag]);
        };
        for (const [tag, { repo, digest }] of sourceTags) {
            const base = { rule: rule.name, sourceRepository: repo, destinationRepository: dest, tag };
            const current = destination.get(tag);
            if (current === undefined) {
                items.push({ ...base, action: 'copy', sourceDigest: digest });
            }
            else if (current === digest) {
                items.push({ ...base, action: 'unchanged', sourceDigest: digest, destinationDigest: current });
            }
            else if (rule.override) {
                items.push({ ...base, action: 'update', sourceDigest: digest, destinationDigest: current });
            }
            else {
                items.push({
                    ...base,
                    action: 'kept',
                    sourceDigest: digest,
                    destinationDigest: current,
                    reason: 'destination differs and override is off',
                });
                warnings.push(`kept ${dest}:${tag}: the destination has ${current}, the source ${digest}, and override is off`);
            }
            // the digest this tag points at after the run
            stay(current === undefined || rule.override ? digest : current, tag);
        }
        const extras = [...destination].filter(([tag]) => !sourceTags.has(tag)).sort((a, b) => cmp(a[0], b[0]));
        const candidates = [];
        for (const [tag, digest] of extras) {
            if (rule.deleteRemote.enabled && inScope(tag))
                candidates.push([tag, digest]);
            else
                stay(digest, tag);
        }
        if (candidates.length === 0)
            continue;
        const failed = group.filter((g) => g.sourceListingFailed).map((g) => g.sourceRepository);
        if (failed.length > 0 || sourceTags.size === 0) {
            const why = failed.length > 0
                ? `the source listing failed (${failed.join(', ')})`
                : `the source has no tags matching the rule (${group.map((g) => g.sourceRepository).join(', ')})`;
            warnings.push(`no deletions in ${dest}: ${why}; ${candidates.length} tag(s) left in place`);
            for (const [tag, digest] of candidates)
                stay(digest, tag);
            continue;
        }
        for (const [tag, digest] of candidates) {
            const item = {
                rule: rule.name,
                destinationRepository: dest,
                tag,
                action: 'delete',
                destinationDigest: digest,
                reason: 'not at the source',
            };
            const shared = staying.get(digest);
            if (shared) {
                item.sharedWithKept = [...shared].sort(cmp);
                item.reason = sharedReason(digest, item.sharedWithKept);
            }
            deletions.push(item);
        }
    }
    let deletionsRefused;
    if (deletions.length > 0) {
        const { max, acknowledgeMatchAll } = rule.deleteRemote;
        if ((0, index_js_1.filtersMatchEverything)(rule.filters) && !acknowledgeMatchAll) {
            deletionsRefused =
                `${deletions.length} deletion(s) refused: rule "${rule.name}" matches every repository and tag; ` +
                    'set delete_remote.acknowledge_match_all to allow deleting under it';
        }
        else if (deletions.length > max) {
            deletionsRefused =
                `${deletions.length} deletion(s) refused: more than delete_remote.max (${max}) for rule ` +
                    `"${rule.name}"; none is made. Check the filters, or raise max if this is intended`;
        }
        else {
            if ((0, index_js_1.filtersMatchEverything)(rule.filters)) {
                warnings.push(`rule "${rule.name}" deletes under filters that match everything (acknowledged)`);
            }
            items.push(...deletions);
        }
    }
    items.sort(compareItems);
    const plan = { rule: rule.name, items, warnings };
    if (deletionsRefused !== undefined)
        plan.deletionsRefused = deletionsRefused;
    return plan;
}
/** The plan of a run: rules in the order given (the file's order). */
function planAll(rules, dryRun) {
    return { dryRun, rules };
}
function countPlan(plan) {
    const counts = { copy: 0, update: 0, unchanged: 0, kept: 0, delete: 0 };
    for (const rule of plan.rules)
        for (const item of rule.items)
            counts[item.action]++;
    return counts;
}


/***/ }),

/***/ 3427:
/***/ ((__unused_webpack_module, exports, __webpack_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.AliyunAcrStore = void 0;
exports.aliyunEndpointWarnings = aliyunEndpointWarnings;
/**
 * Alibaba Cloud Container Registry, personal (registry.<region>.aliyuncs.com,
 * crpi-<id>.<region>.personal.cr.aliyuncs.com) and enterprise (<instance>-registry.<region>.cr.aliyuncs.com).
 * No `_catalog`: repositories come from the explicit list. The namespace must exist before a push
 * ("namespace not found", shared/seeds/002): checked before any bytes move.
 * Endpoints: https://www.alibabacloud.com/help/en/acr/user-guide/obtain-the-endpoint-of-an-instance
 */
const hosted_js_1 = __webpack_require__(243);
/** VPC and internal endpoints answer only inside Alibaba Cloud; GitHub-hosted runners cannot reach them. */
function aliyunEndpointWarnings(host, registryName) {
    const h = host.toLowerCase().replace(/:\d+$/, '');
    const out = [];
    if (/(^|[.-])(vpc|internal)([.-])/.test(h))
        out.push(`registries.${registryName}: ${host} is an Aliyun VPC/internal endpoint, reachable only from inside Alibaba Cloud; GitHub-hosted runners cannot reach it — use the public endpoint (without -vpc/-internal) or a self-hosted runner in the VPC`);
    else if (!/\.aliyuncs\.com$/.test(h))
        out.push(`registries.${registryName}: ${host} does not look like an Aliyun ACR endpoint (registry.<region>.aliyuncs.com, crpi-<id>.<region>.personal.cr.aliyuncs.com or <instance>-registry.<region>.cr.aliyuncs.com)`);
    return out;
}
class AliyunAcrStore extends hosted_js_1.HostedRegistryStore {
    constructor(o) {
        super({
            ...o,
            provider: 'aliyun-acr',
            container: 'namespace',
            listHelp: 'Aliyun ACR has no repository catalog on its registry API',
            // ACR deletes single tags with DELETE /v2/<repo>/manifests/<tag> (RELIABILITY F4).
            deletesByTag: o.deletesByTag ?? false,
        });
    }
}
exports.AliyunAcrStore = AliyunAcrStore;


/***/ }),

/***/ 60:
/***/ ((__unused_webpack_module, exports, __webpack_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.CredentialError = void 0;
exports.resolveCredentials = resolveCredentials;
/** Resolves credential references from replication.yaml (env, file, Docker config) to values, masking them. */
const promises_1 = __webpack_require__(1455);
const node_path_1 = __webpack_require__(6760);
const docker_config_js_1 = __webpack_require__(3975);
const secrets_js_1 = __webpack_require__(4537);
class CredentialError extends Error {
    name = 'CredentialError';
}
exports.CredentialError = CredentialError;
async function readRef(ref, what) {
    if ('value' in ref)
        return ref.value;
    if ('env' in ref) {
        const v = process.env[ref.env];
        if (v === undefined || v === '')
            throw new CredentialError(`${what}: environment variable ${ref.env} is not set`);
        return v;
    }
    if ('file' in ref) {
        try {
            return (await (0, promises_1.readFile)((0, node_path_1.resolve)(ref.file), 'utf8')).trim();
        }
        catch (e) {
            throw new CredentialError(`${what}: cannot read ${ref.file}: ${e.code ?? e.message}`);
        }
    }
    return undefined;
}
/**
 * Credentials for a registry: the references in its `credentials`, else the Docker config.json
 * entry for its host (what docker/login-action wrote), else anonymous (undefined).
 */
async function resolveCredentials(reg, host, _baseDir) {
    const c = reg.credentials;
    const dockerConfig = [c?.username, c?.password, c?.token].find((r) => !!r && 'dockerConfig' in r);
    if (!c || dockerConfig || (!c.password && !c.token)) {
        const path = dockerConfig && typeof dockerConfig.dockerConfig === 'string' ? (0, node_path_1.resolve)(dockerConfig.dockerConfig) : undefined;
        return (0, docker_config_js_1.credentialsFromDockerConfig)(host, path);
    }
    const username = c.username ? await readRef(c.username, `registries.${reg.name}.credentials.username`) : undefined;
    if (c.token) {
        const token = await readRef(c.token, `registries.${reg.name}.credentials.token`);
        (0, secrets_js_1.registerSecret)(token);
        return token ? { identityToken: token, ...(username ? { username } : {}) } : undefined;
    }
    const password = c.password ? await readRef(c.password, `registries.${reg.name}.credentials.password`) : undefined;
    (0, secrets_js_1.registerSecret)(password);
    if (!password)
        return undefined;
    if (!username)
        throw new CredentialError(`registries.${reg.name}.credentials: a password needs a username`);
    return { username, password };
}


/***/ }),

/***/ 1129:
/***/ ((__unused_webpack_module, exports, __webpack_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.DockerHubStore = exports.RateLimitSink = exports.RateBudgetError = exports.HUB_API_URL = void 0;
exports.parseQuota = parseQuota;
exports.hubRepository = hubRepository;
/**
 * Docker Hub: the registry at registry-1.docker.io for images, the Hub API at hub.docker.com for
 * what the registry API cannot do there — listing a namespace's repositories (no `_catalog`) and
 * deleting a tag (registry DELETE answers 405). Reads the pull quota from `ratelimit-*` headers and
 * stops before it runs out, leaving the remaining pulls deferred.
 * Hub API: https://docs.docker.com/reference/api/hub/latest/
 * Pull limits: https://docs.docker.com/docker-hub/usage/pulls/
 */
const undici_1 = __webpack_require__(4371);
const errors_js_1 = __webpack_require__(6764);
const secrets_js_1 = __webpack_require__(4537);
const registry_store_js_1 = __webpack_require__(943);
const vendor_http_js_1 = __webpack_require__(8527);
exports.HUB_API_URL = 'https://hub.docker.com';
const PAGE_SIZE = 100;
/** Hub JWTs are valid for about 10 minutes; refresh a little before. */
const JWT_LIFETIME_MS = 8 * 60 * 1000;
/** A pull the quota no longer allows: the engine reports it deferred rather than failed. */
class RateBudgetError extends errors_js_1.RegistryError {
    deferred = true;
}
exports.RateBudgetError = RateBudgetError;
/** Collects `ratelimit-*` headers from registry responses (wired as the client's dispatcher). */
class RateLimitSink {
    info;
    /** Bumped on every observation. */
    seq = 0;
    observe(headers) {
        const limit = parseQuota((0, vendor_http_js_1.one)(headers['ratelimit-limit']));
        const remaining = parseQuota((0, vendor_http_js_1.one)(headers['ratelimit-remaining']));
        if (!limit || !remaining)
            return;
        const source = (0, vendor_http_js_1.one)(headers['docker-ratelimit-source']);
        const windowSeconds = remaining.window ?? limit.window;
        this.seq++;
        this.info = {
            limit: limit.value,
            remaining: remaining.value,
            ...(windowSeconds !== undefined ? { windowSeconds } : {}),
            ...(source ? { source } : {}),
            observedAt: new Date().toISOString(),
        };
    }
    /** An undici Agent (same settings as the Transport's) whose responses pass through `observe`. */
    dispatcher(tls) {
        const agent = new undici_1.Agent({
            connections: 8,
            keepAliveTimeout: 30_000,
            headersTimeout: 60_000,
            bodyTimeout: 120_000,
            connect: { ...(tls.ca ? { ca: tls.ca } : {}), rejectUnauthorized: tls.verify !== false },
        });
        return new Proxy(agent, {
            get: (target, prop) => {
                const v = Reflect.get(target, prop);
                if (prop === 'request')
                    return async (opts) => {
                        const r = await target.request(opts);
                        this.observe(r.headers);
                        return r;
                    };
                return typeof v === 'function' ? v.bind(target) : v;
            },
        });
    }
}
exports.RateLimitSink = RateLimitSink;
/** `100;w=21600` → { value: 100, window: 21600 }. */
function parseQuota(v) {
    if (!v)
        return undefined;
    const [head, ...params] = v.split(';').map((s) => s.trim());
    const value = Number(head);
    if (!head || !Number.isFinite(value))
        return undefined;
    const w = params.find((p) => p.startsWith('w='));
    const window = w ? Number(w.slice(2)) : undefined;
    return { value, ...(window !== undefined && Number.isFinite(window) ? { window } : {}) };
}
/** Docker Hub's official images live under `library/`. */
function hubRepository(repository) {
    return repository.includes('/') ? repository : `library/${repository}`;
}
class DockerHubStore extends registry_store_js_1.RegistryStore {
    requireTwoComponents = true;
    api;
    #namespace;
    #login;
    #reserve;
    #sink;
    #explicit;
    #jwt;
    /** Counted pulls sent since the last observed header. */
    #spent = 0;
    #seenSeq = 0;
    constructor(o) {
        super({ ...o, deletesByTag: true });
        this.#namespace = o.namespace ?? o.login?.username;
        this.#login = o.login;
        this.#reserve = Math.max(0, o.reserve ?? 0);
        this.#sink = o.rateLimitSink ?? new RateLimitSink();
        this.#explicit = o.repositories?.map(hubRepository);
        this.api = new vendor_http_js_1.VendorApi({
            ...o.api,
            provider: 'dockerhub',
            authorization: async () => (this.#login ? `Bearer ${await this.#token()}` : undefined),
            onUnauthorized: () => {
                this.#jwt = undefined;
            },
        });
    }
    /** POST /v2/auth/token {identifier, secret} (personal access tokens, passwords); older Hubs: /v2/users/login. */
    #token() {
        const now = Date.now();
        const cached = this.#jwt;
        if (cached)
            return cached.then((t) => (t.expiresAt > now ? t.token : this.#refresh()));
        return this.#refresh();
    }
    #refresh() {
        const login = this.#login;
        const p = (async () => {
            const r = await this.api.request({
                method: 'POST',
                path: '/v2/auth/token',
                json: { identifier: login.username, secret: login.secret },
                expect: [200, 201, 404, 405],
                operation: 'logging in to the Docker Hub API',
                auth: false,
            });
            let token = r.body?.access_token;
            if (r.status === 404 || r.status === 405) {
                const legacy = await this.api.request({
                    method: 'POST',
                    path: '/v2/users/login',
                    json: { username: login.username, password: login.secret },
                    operation: 'logging in to the Docker Hub API',
                    auth: false,
                });
                token = legacy.body?.token;
            }
            if (typeof token !== 'string' || !token)
                throw new errors_js_1.RegistryError({
                    kind: 'invalid',
                    registry: this.api.name,
                    operation: 'logging in to the Docker Hub API',
                    detail: 'the login answer has no token',
                });
            (0, secrets_js_1.registerSecret)(token);
            return { token, expiresAt: Date.now() + JWT_LIFETIME_MS };
        })();
        this.#jwt = p;
        p.catch(() => {
            if (this.#jwt === p)
                this.#jwt = undefined;
        });
        return p.then((t) => t.token);
    }
    /** GET /v2/namespaces/{namespace}/repositories?page_size=100, following `next`. */
    async listRepositories() {
        if (this.#explicit)
            return [...this.#explicit];
        const ns = this.#namespace;
        if (!ns)
            throw new errors_js_1.RegistryError({
                kind: 'invalid',
                registry: this.display,
                operation: 'listing repositories',
                detail: 'Docker Hub has no catalog: set options.namespace (or credentials, whose username is used) or list repositories explicitly',
            });
        const out = [];
        let next = `/v2/namespaces/${encodeURIComponent(ns)}/repositories`;
        let query = { page_size: String(PAGE_SIZE) };
        for (let page = 0; next && page < 10_000; page++) {
            const r = await this.api.request({
                method: 'GET',
                path: next,
                ...(query ? { query } : {}),
                operation: `listing repositories of namespace ${ns} on`,
            });
            const doc = (r.body ?? {});
            for (const repo of Array.isArray(doc.results) ? doc.results : []) {
                if (typeof repo.name !== 'string')
                    continue;
                out.push(`${typeof repo.namespace === 'string' ? repo.namespace : ns}/${repo.name}`.toLowerCase());
            }
            next = typeof doc.next === 'string' && doc.next ? doc.next : undefined;
            query = undefined;
        }
        return out;
    }
    listTags(repository) {
        return super.listTags(hubRepository(repository));
    }
    /** Deletes one tag through the Hub API (the registry answers 405 to manifest DELETE). */
    async deleteTag(repository, tag) {
        const [ns, ...rest] = hubRepository(repository).split('/');
        await this.api.request({
            method: 'DELETE',
            path: `/v2/repositories/${encodeURIComponent(ns)}/${encodeURIComponent(rest.join('/'))}/tags/${encodeURIComponent(tag)}/`,
            // 404: the tag went away since the plan looked.
            expect: [200, 202, 204, 404],
            operation: `deleting tag ${tag} of`,
            repository,
        });
        return 'tag';
    }
    /** Manifest GETs count as pulls: refuse one the quota (minus the reserve) no longer allows. */
    async manifestGet(repository, reference) {
        const info = this.rateLimit();
        if (info && info.remaining <= info.reserve) {
            throw new RateBudgetError({
                kind: 'rate-limited',
                registry: this.display,
                repository,
                operation: `pulling ${reference} of`,
                detail: `deferred: the Docker Hub pull quota is down to ${info.remaining} of ${info.limit}${info.reserve ? ` (reserve ${info.reserve})` : ''}`,
                hint: `deferred to a later run: Docker Hub allows ${info.limit} pulls per ${formatWindow(info.windowSeconds)}${info.source ? ` for ${info.source}` : ''}; the quota refills over that window. Authenticate for a higher limit, or lower options.rate_limit_reserve.`,
                temporary: true,
            });
        }
        this.#spent++;
        return super.manifestGet(repository, reference);
    }
    /** The quota from the last registry answer, less the pulls sent since. */
    rateLimit() {
        const seen = this.#sink.info;
        if (!seen)
            return undefined;
        if (this.#sink.seq !== this.#seenSeq) {
            this.#seenSeq = this.#sink.seq;
            this.#spent = 0;
        }
        return { ...seen, remaining: Math.max(0, seen.remaining - this.#spent), reserve: this.#reserve };
    }
    requestCounts() {
        return (0, vendor_http_js_1.mergeCounts)(super.requestCounts(), this.api.counts(), 'api ');
    }
    async close() {
        await Promise.all([super.close(), this.api.close()]);
    }
}
exports.DockerHubStore = DockerHubStore;
function formatWindow(seconds) {
    if (!seconds)
        return 'window';
    return seconds % 3600 === 0 ? `${seconds / 3600} h` : `${seconds} s`;
}


/***/ }),

/***/ 68:
/***/ ((__unused_webpack_module, exports, __webpack_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.EcrStore = void 0;
exports.ecrEndpointWarnings = ecrEndpointWarnings;
/**
 * Amazon ECR (<account>.dkr.ecr.<region>.amazonaws.com). Credentials come from the Docker config that
 * aws-actions/amazon-ecr-login (or `aws ecr get-login-password | docker login`) wrote. Repositories
 * must exist before a push and are listed explicitly.
 * https://docs.aws.amazon.com/AmazonECR/latest/userguide/registry_auth.html
 */
const hosted_js_1 = __webpack_require__(243);
const ECR_HOST = /^\d{12}\.dkr\.ecr(-fips)?\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/;
function ecrEndpointWarnings(host, registryName) {
    const h = host.toLowerCase().replace(/:\d+$/, '');
    if (ECR_HOST.test(h) || h === 'public.ecr.aws')
        return [];
    return [
        `registries.${registryName}: ${host} does not look like an ECR endpoint (<account id>.dkr.ecr.<region>.amazonaws.com)`,
    ];
}
class EcrStore extends hosted_js_1.HostedRegistryStore {
    constructor(o) {
        super({
            ...o,
            provider: 'ecr',
            container: 'repository',
            listHelp: 'ECR lists repositories only through the AWS API (DescribeRepositories)',
        });
    }
}
exports.EcrStore = EcrStore;


/***/ }),

/***/ 9160:
/***/ ((__unused_webpack_module, exports, __webpack_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.GarStore = void 0;
exports.garPathProblem = garPathProblem;
exports.garEndpointWarnings = garEndpointWarnings;
/**
 * Google Artifact Registry (<location>-docker.pkg.dev). Paths are <project>/<repository>/<image>;
 * the repository must be created beforehand, or pushes fail ("Missing image name", NAME_INVALID).
 * Credentials: oauth2accesstoken + the access token google-github-actions/auth produced, via the
 * Docker config docker/login-action wrote.
 * https://cloud.google.com/artifact-registry/docs/docker/names
 */
const hosted_js_1 = __webpack_require__(243);
function garPathProblem(repository) {
    if (repository.split('/').length >= 3)
        return undefined;
    return `Artifact Registry paths are <project>/<repository>/<image>, got "${repository}": set destination_namespace to <project>/<repository>`;
}
function garEndpointWarnings(host, registryName) {
    const h = host.toLowerCase().replace(/:\d+$/, '');
    if (/^[a-z0-9-]+-docker\.pkg\.dev$/.test(h))
        return [];
    return [
        `registries.${registryName}: ${host} does not look like an Artifact Registry endpoint (<location>-docker.pkg.dev)`,
    ];
}
class GarStore extends hosted_js_1.HostedRegistryStore {
    constructor(o) {
        super({
            ...o,
            provider: 'gar',
            container: 'repository',
            listHelp: 'Artifact Registry lists repositories only through the Google Cloud API',
            validate: garPathProblem,
        });
    }
}
exports.GarStore = GarStore;


/***/ }),

/***/ 3542:
/***/ ((__unused_webpack_module, exports, __webpack_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.GhcrStore = exports.GITHUB_API_URL = void 0;
/**
 * GitHub Container Registry: images through ghcr.io's /v2 API (no `_catalog`, no manifest DELETE);
 * repositories listed and versions deleted through the GitHub Packages REST API with GITHUB_TOKEN
 * or a personal access token. A package version is a digest with all its tags, so deletion has
 * digest semantics (deletesByTag false): the engine passes only deletions no kept tag shares.
 * REST: https://docs.github.com/en/rest/packages/packages
 * Pagination: https://docs.github.com/en/rest/using-the-rest-api/using-pagination-in-the-rest-api
 */
const errors_js_1 = __webpack_require__(6764);
const secrets_js_1 = __webpack_require__(4537);
const registry_store_js_1 = __webpack_require__(943);
const vendor_http_js_1 = __webpack_require__(8527);
exports.GITHUB_API_URL = 'https://api.github.com';
const PER_PAGE = 100;
const MAX_PAGES = 10_000;
class GhcrStore extends registry_store_js_1.RegistryStore {
    api;
    #owner;
    #ownerType;
    #explicit;
    constructor(o) {
        super({ ...o, deletesByTag: false });
        this.#owner = o.owner?.toLowerCase();
        this.#explicit = o.repositories;
        if (o.ownerType)
            this.#ownerType = Promise.resolve(o.ownerType === 'org' ? 'orgs' : 'users');
        (0, secrets_js_1.registerSecret)(o.token);
        const token = o.token;
        this.api = new vendor_http_js_1.VendorApi({
            ...o.api,
            provider: 'ghcr',
            headers: { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' },
            authorization: async () => (token ? `Bearer ${token}` : undefined),
        });
    }
    async #pages(path, query, operation, repository) {
        const out = [];
        let next = path;
        let q = { ...query, per_page: String(PER_PAGE) };
        for (let page = 0; next && page < MAX_PAGES; page++) {
            const r = await this.api.request({
                method: 'GET',
                path: next,
                ...(q ? { query: q } : {}),
                operation,
                ...(repository ? { repository } : {}),
            });
            if (Array.isArray(r.body))
                out.push(...r.body);
            next = (0, vendor_http_js_1.nextLink)(r.headers.link, r.url);
            q = undefined;
        }
        return out;
    }
    /** `/orgs/{owner}` or `/users/{owner}`: the organisation first, the user when GitHub knows no such organisation. */
    #ownerPath(owner) {
        this.#ownerType ??= (async () => {
            const r = await this.api.request({
                method: 'GET',
                path: `/orgs/${encodeURIComponent(owner)}/packages`,
                query: { package_type: 'container', per_page: '1' },
                expect: [200, 404],
                operation: `looking up owner ${owner} on`,
            });
            return r.status === 200 ? 'orgs' : 'users';
        })();
        return this.#ownerType;
    }
    #requireOwner(repository) {
        const owner = this.#owner ?? repository?.split('/')[0];
        if (!owner)
            throw new errors_js_1.RegistryError({
                kind: 'invalid',
                registry: this.display,
                operation: 'listing repositories',
                detail: 'GHCR has no catalog: set options.owner to the user or organisation owning the packages, or list repositories explicitly',
            });
        return owner;
    }
    /** GET /orgs/{org}/packages?package_type=container (or /users/{user}/packages), following Link. */
    async listRepositories() {
        if (this.#explicit)
            return [...this.#explicit];
        const owner = this.#requireOwner();
        const kind = await this.#ownerPath(owner);
        const packages = await this.#pages(`/${kind}/${encodeURIComponent(owner)}/packages`, { package_type: 'container' }, `listing container packages of ${owner} on`);
        return packages
            .map((p) => p.name)
            .filter((n) => typeof n === 'string')
            .map((n) => `${owner}/${n}`.toLowerCase());
    }
    /** Deletes the package version holding `digest` (and every tag on it). */
    async deleteTag(repository, tag, digest) {
        const owner = this.#requireOwner(repository);
        if (!repository.startsWith(`${owner}/`))
            throw new errors_js_1.RegistryError({
                kind: 'invalid',
                registry: this.display,
                repository,
                operation: 'deleting',
                detail: `the repository is not owned by ${owner}`,
            });
        const pkg = encodeURIComponent(repository.slice(owner.length + 1));
        const kind = await this.#ownerPath(owner);
        const base = `/${kind}/${encodeURIComponent(owner)}/packages/container/${pkg}/versions`;
        const versions = await this.#pages(base, {}, 'listing package versions of', repository);
        const version = versions.find((v) => v.name === digest);
        if (!version || (typeof version.id !== 'number' && typeof version.id !== 'string'))
            throw new errors_js_1.RegistryError({
                kind: 'not-found',
                registry: this.display,
                repository,
                operation: `deleting tag ${tag} of`,
                detail: `no package version with digest ${digest}`,
            });
        const tags = version.metadata?.container?.tags;
        if (Array.isArray(tags) && !tags.includes(tag))
            throw new errors_js_1.RegistryError({
                kind: 'invalid',
                registry: this.display,
                repository,
                operation: `deleting tag ${tag} of`,
                detail: `package version ${String(version.id)} (${digest}) no longer carries tag ${tag}; not deleted`,
            });
        await this.api.request({
            method: 'DELETE',
            path: `${base}/${encodeURIComponent(String(version.id))}`,
            expect: [204],
            operation: `deleting package version ${String(version.id)} (tag ${tag}) of`,
            repository,
        });
        return 'digest';
    }
    requestCounts() {
        return (0, vendor_http_js_1.mergeCounts)(super.requestCounts(), this.api.counts(), 'api ');
    }
    async close() {
        await Promise.all([super.close(), this.api.close()]);
    }
}
exports.GhcrStore = GhcrStore;


/***/ }),

/***/ 2582:
/***/ ((__unused_webpack_module, exports, __webpack_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.HarborStore = void 0;
exports.harborRepositoryPath = harborRepositoryPath;
exports.splitProject = splitProject;
/**
 * Harbor: images through its /v2 registry API, everything else through the Harbor REST API v2.0 —
 * repositories per project (its `_catalog` needs system-level read), artifacts with their tags and
 * labels (so label filters work), the project check before a push (and opt-in creation), and
 * deleting a single tag. Robot accounts (`robot$name`) log in like users.
 * API reference (swagger): https://github.com/goharbor/harbor/blob/main/api/v2.0/swagger.yaml
 * Nested repository names are URL-encoded twice in paths: a/b → a%252Fb (swagger: repository_name).
 */
const errors_js_1 = __webpack_require__(6764);
const secrets_js_1 = __webpack_require__(4537);
const registry_store_js_1 = __webpack_require__(943);
const vendor_http_js_1 = __webpack_require__(8527);
const PAGE_SIZE = 100;
const MAX_PAGES = 10_000;
/** `a/b` → `a%252Fb`: Harbor decodes the path once, then the repository name once more. */
function harborRepositoryPath(name) {
    return encodeURIComponent(encodeURIComponent(name));
}
/** `project/rest/of/path` → ['project', 'rest/of/path']. */
function splitProject(repository) {
    const i = repository.indexOf('/');
    if (i <= 0)
        throw new errors_js_1.RegistryError({
            kind: 'invalid',
            registry: 'harbor',
            repository,
            operation: 'mapping',
            detail: 'Harbor repositories are <project>/<name>: set destination_namespace to a project',
        });
    return [repository.slice(0, i), repository.slice(i + 1)];
}
class HarborStore extends registry_store_js_1.RegistryStore {
    api;
    #explicit;
    #projects;
    #createProject;
    #projectPublic;
    #checked = new Map();
    constructor(o) {
        super({ ...o, deletesByTag: true });
        this.#explicit = o.repositories;
        this.#projects = o.projects;
        this.#createProject = o.createProject ?? false;
        this.#projectPublic = o.projectPublic ?? false;
        const auth = o.login ? (0, vendor_http_js_1.basicAuth)(o.login.username, o.login.password) : undefined;
        (0, secrets_js_1.registerSecret)(auth?.slice('Basic '.length));
        this.api = new vendor_http_js_1.VendorApi({ ...o.api, provider: 'harbor', authorization: async () => auth });
    }
    /** Pages of a Harbor list: `page`/`page_size`, next page from `Link`, else until X-Total-Count. */
    async #pages(path, query, operation, repository) {
        const out = [];
        let next = path;
        let q = { ...query, page: '1', page_size: String(PAGE_SIZE) };
        for (let page = 1; next && page <= MAX_PAGES; page++) {
            const r = await this.api.request({
                method: 'GET',
                path: next,
                ...(q ? { query: q } : {}),
                operation,
                ...(repository ? { repository } : {}),
            });
            const items = Array.isArray(r.body) ? r.body : [];
            out.push(...items);
            const link = (0, vendor_http_js_1.nextLink)(r.headers.link, r.url);
            const total = Number((0, vendor_http_js_1.one)(r.headers['x-total-count']));
            if (link) {
                next = link;
                q = undefined;
            }
            else if (Number.isFinite(total) && out.length < total && items.length > 0) {
                const u = new URL(r.url);
                u.searchParams.set('page', String(page + 1));
                next = u.toString();
                q = undefined;
            }
            else
                next = undefined;
        }
        return out;
    }
    async listRepositories() {
        if (this.#explicit)
            return [...this.#explicit];
        const projects = this.#projects ??
            (await this.#pages('/api/v2.0/projects', {}, 'listing projects of'))
                .map((p) => p.name)
                .filter((n) => typeof n === 'string');
        const out = [];
        for (const p of projects) {
            const repos = await this.#pages(`/api/v2.0/projects/${encodeURIComponent(p)}/repositories`, {}, `listing repositories of project ${p} on`);
            for (const r of repos)
                if (typeof r.name === 'string')
                    out.push(r.name);
        }
        return out;
    }
    /** Tags with digest, labels (`{ label: "" }`), media types and push time, from the artifacts API. */
    async listTagDetails(repository) {
        const [project, name] = splitProject(repository);
        let artifacts;
        try {
            artifacts = await this.#pages(`/api/v2.0/projects/${encodeURIComponent(project)}/repositories/${harborRepositoryPath(name)}/artifacts`, { with_tag: 'true', with_label: 'true' }, 'listing artifacts of', repository);
        }
        catch (e) {
            if (e instanceof errors_js_1.RegistryError && e.status === 404)
                return [];
            throw e;
        }
        const out = [];
        for (const a of artifacts) {
            const labels = {};
            for (const l of a.labels ?? [])
                if (typeof l.name === 'string')
                    labels[l.name] = '';
            for (const t of a.tags ?? []) {
                if (typeof t.name !== 'string')
                    continue;
                const created = typeof t.push_time === 'string' ? t.push_time : a.push_time;
                out.push({
                    tag: t.name,
                    ...(typeof a.digest === 'string' ? { digest: a.digest } : {}),
                    labels,
                    ...(typeof a.manifest_media_type === 'string' ? { mediaType: a.manifest_media_type } : {}),
                    ...(typeof a.media_type === 'string' ? { configMediaType: a.media_type } : {}),
                    ...(typeof created === 'string' ? { created } : {}),
                });
            }
        }
        return out;
    }
    /** The destination project must exist before any push (goharbor/harbor#20544): check, or create when allowed. */
    prepareDestination(repository, opts = {}) {
        const [project] = splitProject(repository);
        const key = opts.dryRun ? `dry:${project}` : project;
        let p = this.#checked.get(key);
        if (!p) {
            p = this.#ensureProject(project, repository, opts.dryRun === true);
            this.#checked.set(key, p);
            p.catch(() => this.#checked.delete(key));
        }
        return p;
    }
    async #ensureProject(project, repository, dryRun) {
        const head = await this.api.request({
            method: 'HEAD',
            path: '/api/v2.0/projects',
            query: { project_name: project },
            expect: [200, 404],
            operation: `checking project ${project} on`,
            repository,
        });
        if (head.status === 200)
            return;
        // A plan never writes: a project that a run would create is fine.
        if (dryRun && this.#createProject)
            return;
        if (!this.#createProject)
            throw new errors_js_1.RegistryError({
                kind: 'not-found',
                registry: this.display,
                repository,
                operation: 'preparing the destination',
                status: 404,
                codes: ['NOT_FOUND'],
                detail: `project ${project} not found`,
            });
        await this.api.request({
            method: 'POST',
            path: '/api/v2.0/projects',
            json: { project_name: project, metadata: { public: String(this.#projectPublic) } },
            // 409: created meanwhile by someone else.
            expect: [201, 409],
            operation: `creating project ${project} on`,
            repository,
        });
    }
    /** DELETE …/artifacts/{digest}/tags/{tag}: removes the tag only, never the artifact or its other tags. */
    async deleteTag(repository, tag, digest) {
        const [project, name] = splitProject(repository);
        await this.api.request({
            method: 'DELETE',
            path: `/api/v2.0/projects/${encodeURIComponent(project)}/repositories/${harborRepositoryPath(name)}/artifacts/${encodeURIComponent(digest)}/tags/${encodeURIComponent(tag)}`,
            expect: [200],
            operation: `deleting tag ${tag} of`,
            repository,
        });
        return 'tag';
    }
    requestCounts() {
        return (0, vendor_http_js_1.mergeCounts)(super.requestCounts(), this.api.counts(), 'api ');
    }
    async close() {
        await Promise.all([super.close(), this.api.close()]);
    }
}
exports.HarborStore = HarborStore;


/***/ }),

/***/ 9644:
/***/ ((__unused_webpack_module, exports, __webpack_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.credentialSource = credentialSource;
exports.providerHint = providerHint;
exports.tagExistsHint = tagExistsHint;
exports.applyHint = applyHint;
exports.withHints = withHints;
const errors_js_1 = __webpack_require__(6764);
function refName(ref) {
    if (!ref)
        return undefined;
    if ('value' in ref)
        return undefined;
    if ('env' in ref)
        return `environment variable ${ref.env}`;
    if ('file' in ref)
        return `file ${ref.file}`;
    return typeof ref.dockerConfig === 'string'
        ? `Docker config ${ref.dockerConfig}`
        : 'the Docker config.json (DOCKER_CONFIG or ~/.docker)';
}
/**
 * Names where a registry's credentials come from, without their value. `found` says whether
 * any credentials were resolved (a Docker config lookup may find none).
 */
function credentialSource(reg, host, found) {
    if (!found)
        return undefined;
    const c = reg.credentials;
    const secret = refName(c?.token) ?? refName(c?.password);
    if (secret && !secret.startsWith('the Docker') && !secret.startsWith('Docker config'))
        return `registries.${reg.name}.credentials (${c?.token ? 'token' : 'password'} from ${secret})`;
    if (secret)
        return `the ${host} entry of ${secret}`;
    return `the ${host} entry of the Docker config.json (DOCKER_CONFIG or ~/.docker)`;
}
const UNAUTHORIZED_TIPS = {
    dockerhub: 'Docker Hub: use a personal access token as the password (Account settings → Personal access tokens); with SSO enforced, passwords are refused',
    ghcr: 'GHCR: with GITHUB_TOKEN the workflow needs `permissions: packages: read` (and `write` to push); a PAT needs read:packages/write:packages',
    harbor: "Harbor: robot accounts log in as robot$<name> (robot$<project>+<name> for project robots); quote the name in YAML because of the '$'",
    'aliyun-acr': 'Aliyun ACR: the password is the fixed registry password set under Access Credentials (访问凭证), not the Aliyun login password',
    ecr: 'ECR: passwords from `aws ecr get-login-password` expire after 12 hours, and amazon-ecr-login logs out in its post step: run ferry in the same job, after the login step',
    gar: 'Artifact Registry: log in as oauth2accesstoken with the access token from google-github-actions/auth (token_format: access_token), or _json_key with a key file',
    quay: 'Quay: use a robot account (<org>+<name>) with write permission on the organization',
};
/** Namespace-like first path component a registry needs to exist before a push. */
const CONTAINER = {
    harbor: 'project',
    'aliyun-acr': 'namespace',
    quay: 'organization',
    dockerhub: 'namespace',
    ecr: 'repository',
    gar: 'repository',
};
function missingContainerHint(ctx, repository) {
    const ns = repository?.split('/')[0] ?? '<namespace>';
    switch (ctx.provider) {
        case 'aliyun-acr':
            return `the Aliyun ACR namespace "${ns}" does not exist: create it in the console (Container Registry → Namespaces / 命名空间) before pushing, or set destination_namespace to an existing one`;
        case 'harbor':
            return `the Harbor project "${ns}" does not exist on ${ctx.host}: create it (Projects → New Project), or set options.create_project: true on registries.${ctx.registryName} to let ferry create it`;
        case 'ecr':
            return `the ECR repository "${repository}" must exist before a push: aws ecr create-repository --repository-name ${repository} (or a repository creation template)`;
        case 'gar': {
            const parts = repository?.split('/') ?? [];
            return `the Artifact Registry repository "${parts.slice(0, 2).join('/')}" must exist, and paths are <project>/<repository>/<image>: gcloud artifacts repositories create ${parts[1] ?? '<repository>'} --repository-format=docker --project=${parts[0] ?? '<project>'}`;
        }
        case 'quay':
            return `the Quay organization "${ns}" must exist (quay.io → Create New Organization) and the account must be able to write to it`;
        default:
            return undefined;
    }
}
function isMissingContainer(e) {
    const text = e.message.toLowerCase();
    if (/namespace not found|namespace .*(does not exist|not exist)|project .*not found|organization .*not found/.test(text))
        return true;
    if (/repository .*does not exist/.test(text))
        return true;
    return e.kind === 'not-found' && e.codes.includes('NAME_UNKNOWN') && e.method !== 'GET' && e.method !== 'HEAD';
}
/** A hint for `e` from a registry of `ctx.provider`; undefined keeps the error's own hint. */
function providerHint(e, ctx) {
    const where = `${ctx.host} (registries.${ctx.registryName}, type ${ctx.provider})`;
    const text = e.message.toLowerCase();
    if (isMissingContainer(e) && CONTAINER[ctx.provider] && ctx.provider !== 'dockerhub')
        return missingContainerHint(ctx, e.repository);
    switch (e.kind) {
        case 'unauthorized': {
            const tip = UNAUTHORIZED_TIPS[ctx.provider];
            const who = ctx.username ? ` as ${ctx.username}` : '';
            const base = ctx.credentialSource
                ? `${where} refused the credentials${who} from ${ctx.credentialSource}: check they are current and meant for this registry`
                : `${where} needs credentials and none were found: set registries.${ctx.registryName}.credentials (e.g. password: { env: NAME }), or log in to ${ctx.host} with docker/login-action earlier in the same job`;
            return tip ? `${base}. ${tip}` : base;
        }
        case 'denied': {
            const pushing = e.method !== 'GET' && e.method !== 'HEAD';
            if (ctx.provider === 'dockerhub') {
                if (e.repository && !e.repository.includes('/'))
                    return 'Docker Hub answered "requested access to the resource is denied": pushes need <namespace>/<name>; set destination_namespace to your Docker Hub user or organisation';
                const ns = e.repository?.split('/')[0];
                return `Docker Hub answered "requested access to the resource is denied" for ${e.repository ?? 'this repository'}: the namespace "${ns}" must be your user or an organisation where ${ctx.username ?? 'the account'} may ${pushing ? 'push' : 'pull'} (set destination_namespace), and a personal access token needs the Read & Write scope`;
            }
            if (ctx.provider === 'ghcr')
                return `GHCR refused ${pushing ? 'the push' : 'access'} to ${e.repository ?? 'the package'}: GITHUB_TOKEN can only write packages linked to the workflow's repository; link it, or grant the repository access under the package's settings (Manage Actions access), and give the job permissions: packages: write`;
            if (ctx.provider === 'harbor')
                return `Harbor refused ${pushing ? 'the push' : 'access'} to ${e.repository ?? 'this repository'}: the account needs a role in project "${e.repository?.split('/')[0]}" (Developer or above to push, Guest to pull); a robot account needs the ${pushing ? 'push' : 'pull'} permission for that project`;
            if (ctx.credentialSource === undefined)
                return `${where} refused anonymous access: configure registries.${ctx.registryName}.credentials`;
            return undefined;
        }
        case 'rate-limited': {
            const own = e.hint ?? '';
            if (ctx.provider === 'dockerhub')
                return `${own ? `${own} ` : ''}Docker Hub counts manifest GETs as pulls (ferry compares with HEAD, which is free); authenticate for a higher limit, or set options.rate_limit_reserve to stop earlier and defer the rest.`.trim();
            return own || undefined;
        }
        case 'tls': {
            if (/wrong version number|packet length too long|http request to an https server|ERR_SSL_WRONG_VERSION/i.test(text))
                return `${ctx.host} answered plain HTTP on an https:// URL: if it is an insecure registry you trust, write url: http://${ctx.host} under registries.${ctx.registryName}`;
            if (/unable to (get|verify)|self[- ]signed|unknown authority|UNABLE_TO|CERT_/i.test(e.message))
                return `the certificate of ${ctx.host} is signed by an authority ferry does not know: give its CA as registries.${ctx.registryName}.tls.ca (a PEM file, relative to replication.yaml)${ctx.provider === 'harbor' ? " — Harbor's CA is downloadable under Administration → Configuration → System Settings" : ''}; tls.verify: false only for a registry you trust`;
            return undefined;
        }
        case 'invalid':
            if (ctx.provider === 'gar' && (e.codes.includes('NAME_INVALID') || /missing image name/i.test(e.message)))
                return missingContainerHint(ctx, e.repository);
            if (/immutable/i.test(text))
                return `the tag is immutable on ${ctx.host}: it cannot be overwritten; remove the immutability rule or leave override off to keep it`;
            return undefined;
        case 'http':
            if (e.status === 412 && ctx.provider === 'harbor')
                return `a Harbor tag immutability rule protects this tag in project "${e.repository?.split('/')[0]}": it cannot be overwritten or deleted`;
            return undefined;
        default:
            return undefined;
    }
}
/** The hint for a plan item whose destination tag exists with other content while override is off. */
function tagExistsHint(ctx, repository, tag) {
    return `${ctx.host}/${repository}:${tag} already exists with different content and the rule has override: false, so it was kept; set override: true on the rule to replace it${ctx.provider === 'ecr' ? ' (and turn off tag immutability on the ECR repository)' : ctx.provider === 'harbor' ? ' (a Harbor immutability rule may also protect it)' : ''}`;
}
const hinted = new WeakSet();
/** Gives a RegistryError the provider's hint (in place; the error's own hint stays when none applies). */
function applyHint(e, ctx) {
    if (!(e instanceof errors_js_1.RegistryError) || hinted.has(e))
        return e;
    hinted.add(e);
    const hint = providerHint(e, ctx);
    if (hint)
        Object.defineProperty(e, 'hint', { value: hint, enumerable: true, configurable: true });
    return e;
}
/** Wraps a Store so every error its methods reject with carries the provider's hint. */
function withHints(store, ctx) {
    return new Proxy(store, {
        get(target, prop) {
            const v = Reflect.get(target, prop);
            if (typeof v !== 'function' || prop === 'constructor')
                return v;
            return (...args) => {
                let out;
                try {
                    out = v.apply(target, args);
                }
                catch (e) {
                    throw applyHint(e, ctx);
                }
                return out instanceof Promise ? out.catch((e) => Promise.reject(applyHint(e, ctx))) : out;
            };
        },
    });
}


/***/ }),

/***/ 243:
/***/ ((__unused_webpack_module, exports, __webpack_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.HostedRegistryStore = exports.EMPTY_JSON_DIGEST = void 0;
const errors_js_1 = __webpack_require__(6764);
const registry_store_js_1 = __webpack_require__(943);
/** The OCI empty descriptor's digest (`{}`): mounting it from the repository itself probes push access. */
exports.EMPTY_JSON_DIGEST = 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a';
class HostedRegistryStore extends registry_store_js_1.RegistryStore {
    provider;
    warnings;
    #o;
    #checked = new Map();
    constructor(o) {
        super(o);
        this.provider = o.provider;
        this.warnings = o.warnings ?? [];
        this.#o = o;
    }
    async listRepositories() {
        if (this.#o.repositories)
            return [...this.#o.repositories];
        if (this.#o.catalog)
            return this.client.catalog();
        throw new errors_js_1.RegistryError({
            kind: 'unsupported',
            registry: this.display,
            operation: 'listing repositories',
            detail: `${this.#o.listHelp ?? 'this registry cannot list its repositories'}: list them under registries.${this.name}.repositories`,
            hint: `add repositories: [namespace/name, ...] to registries.${this.name} in replication.yaml`,
        });
    }
    prepareDestination(repository, opts = {}) {
        const problem = this.#o.validate?.(repository);
        if (problem)
            return Promise.reject(new errors_js_1.RegistryError({
                kind: 'invalid',
                registry: this.display,
                repository,
                operation: 'preparing the destination',
                codes: ['NAME_INVALID'],
                detail: problem,
            }));
        // The push probe opens (and cancels) an upload session: a plan makes no such request.
        if (opts.dryRun)
            return Promise.resolve();
        const key = this.#o.container === 'repository' ? repository : (repository.split('/')[0] ?? repository);
        let p = this.#checked.get(key);
        if (!p) {
            p = this.#probe(repository, key);
            this.#checked.set(key, p);
            p.catch(() => this.#checked.delete(key));
        }
        return p;
    }
    async #probe(repository, key) {
        try {
            await this.client.blobMount(repository, exports.EMPTY_JSON_DIGEST, repository);
        }
        catch (e) {
            if (!(e instanceof errors_js_1.RegistryError))
                throw e;
            const missing = e.kind === 'not-found' || /namespace not found|does not exist|not exist|unknown namespace/i.test(e.message);
            if (!missing)
                throw e;
            throw new errors_js_1.RegistryError({
                kind: 'not-found',
                registry: this.display,
                repository,
                operation: 'preparing the destination',
                method: 'POST',
                ...(e.status ? { status: e.status } : {}),
                codes: e.codes,
                detail: `${this.#o.container} ${key} not found (${e.message})`,
                cause: e,
            });
        }
    }
}
exports.HostedRegistryStore = HostedRegistryStore;


/***/ }),

/***/ 7486:
/***/ ((__unused_webpack_module, exports, __webpack_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.tagExistsHint = exports.providerHint = exports.applyHint = exports.RateBudgetError = void 0;
exports.openStore = openStore;
exports.configDir = configDir;
/** Opens the Store for a configured registry. What differs per registry kind is decided here, not in the engine. */
const promises_1 = __webpack_require__(1455);
const node_path_1 = __webpack_require__(6760);
const ref_js_1 = __webpack_require__(7700);
const client_js_1 = __webpack_require__(2440);
const aliyun_acr_js_1 = __webpack_require__(3427);
const credentials_js_1 = __webpack_require__(60);
const dockerhub_js_1 = __webpack_require__(1129);
const ecr_js_1 = __webpack_require__(68);
const gar_js_1 = __webpack_require__(9160);
const ghcr_js_1 = __webpack_require__(3542);
const harbor_js_1 = __webpack_require__(2582);
const hints_js_1 = __webpack_require__(9644);
const oci_layout_js_1 = __webpack_require__(7314);
const quay_js_1 = __webpack_require__(1552);
const registry_store_js_1 = __webpack_require__(943);
var dockerhub_js_2 = __webpack_require__(1129);
Object.defineProperty(exports, "RateBudgetError", ({ enumerable: true, get: function () { return dockerhub_js_2.RateBudgetError; } }));
var hints_js_2 = __webpack_require__(9644);
Object.defineProperty(exports, "applyHint", ({ enumerable: true, get: function () { return hints_js_2.applyHint; } }));
Object.defineProperty(exports, "providerHint", ({ enumerable: true, get: function () { return hints_js_2.providerHint; } }));
Object.defineProperty(exports, "tagExistsHint", ({ enumerable: true, get: function () { return hints_js_2.tagExistsHint; } }));
function str(options, ...keys) {
    for (const k of keys) {
        const v = options?.[k];
        if (typeof v === 'string' && v)
            return v;
    }
    return undefined;
}
function strList(options, key) {
    const v = options?.[key];
    if (Array.isArray(v))
        return v.map(String);
    if (typeof v === 'string' && v)
        return [v];
    return undefined;
}
/** The base URL of a vendor API: `options.api_url` (tests, self-hosted), else the vendor's. */
function apiUrl(reg, fallback) {
    const v = str(reg.options, 'api_url');
    if (!v)
        return fallback;
    const u = new URL(v);
    if (u.protocol !== 'https:' && u.protocol !== 'http:')
        throw new Error(`registries.${reg.name}.options.api_url: expected an http(s) URL, got ${u.protocol}`);
    return `${u.protocol}//${u.host}`;
}
function secretOf(c) {
    if (!c)
        return undefined;
    return 'password' in c ? c.password : c.identityToken;
}
async function openStore(reg, o) {
    if (reg.type === 'oci-layout') {
        if (!reg.path)
            throw new Error(`registries.${reg.name}: an oci-layout registry needs a path`);
        // The loader already resolved `path` against the config file's directory.
        return new oci_layout_js_1.OciLayoutStore(reg.name, (0, node_path_1.resolve)(reg.path));
    }
    if (!reg.url)
        throw new Error(`registries.${reg.name}: url is required`);
    const url = new URL(reg.url);
    const registry = (0, ref_js_1.normalizeRegistry)(url.host);
    const host = (0, ref_js_1.apiHost)(registry);
    const baseUrl = `${url.protocol}//${host}`;
    const credentials = o.anonymous ? undefined : await (0, credentials_js_1.resolveCredentials)(reg, host, o.baseDir);
    const ca = reg.tls.caFile ? await (0, promises_1.readFile)((0, node_path_1.resolve)(o.baseDir, reg.tls.caFile)) : undefined;
    const tls = { verify: reg.tls.verify, ...(ca ? { ca } : {}) };
    const sink = reg.type === 'dockerhub' ? new dockerhub_js_1.RateLimitSink() : undefined;
    const client = new client_js_1.RegistryClient({
        registry,
        baseUrl,
        ...(credentials ? { credentials } : {}),
        tls,
        ...(o.retry ? { retry: o.retry } : {}),
        userAgent: o.userAgent ?? 'ferry',
        ...(sink ? { dispatcher: sink.dispatcher(tls) } : {}),
    });
    const base = {
        name: reg.name,
        client,
        ...(reg.repositories ? { repositories: reg.repositories } : {}),
    };
    const ctx = {
        provider: reg.type,
        registryName: reg.name,
        host: registry,
        ...(credentials ? { credentialSource: (0, hints_js_1.credentialSource)(reg, registry, true) } : {}),
        ...(credentials?.username ? { username: credentials.username } : {}),
    };
    const api = (fallback) => {
        const apiBase = apiUrl(reg, fallback);
        // The registry's TLS settings apply to an API on the registry's own host only.
        const sameHost = new URL(apiBase).host === url.host;
        return {
            name: new URL(apiBase).host,
            baseUrl: apiBase,
            tls: sameHost ? tls : { verify: true },
            userAgent: o.userAgent ?? 'ferry',
            ...(o.retry ? { retry: o.retry } : {}),
        };
    };
    const username = credentials?.username;
    const secret = secretOf(credentials);
    let store;
    switch (reg.type) {
        case 'dockerhub': {
            const reserve = Number(reg.options?.rate_limit_reserve ?? 0);
            const namespace = str(reg.options, 'namespace', 'organization');
            store = new dockerhub_js_1.DockerHubStore({
                ...base,
                api: api(dockerhub_js_1.HUB_API_URL),
                ...(namespace ? { namespace } : {}),
                ...(username && credentials && 'password' in credentials
                    ? { login: { username, secret: credentials.password } }
                    : {}),
                reserve: Number.isFinite(reserve) ? reserve : 0,
                ...(sink ? { rateLimitSink: sink } : {}),
            });
            break;
        }
        case 'harbor': {
            const projects = strList(reg.options, 'projects');
            store = new harbor_js_1.HarborStore({
                ...base,
                api: api(`${url.protocol}//${url.host}`),
                ...(username && credentials && 'password' in credentials
                    ? { login: { username, password: credentials.password } }
                    : {}),
                ...(projects ? { projects } : {}),
                createProject: reg.options?.create_project === true,
                projectPublic: reg.options?.project_public === true,
            });
            break;
        }
        case 'ghcr': {
            const owner = str(reg.options, 'owner', 'organization', 'org', 'user');
            const ownerType = str(reg.options, 'owner_type');
            store = new ghcr_js_1.GhcrStore({
                ...base,
                api: api(ghcr_js_1.GITHUB_API_URL),
                ...(secret ? { token: secret } : {}),
                ...(owner ? { owner } : {}),
                ...(ownerType === 'org' || ownerType === 'user' ? { ownerType } : {}),
            });
            break;
        }
        case 'aliyun-acr':
            store = new aliyun_acr_js_1.AliyunAcrStore({ ...base, warnings: (0, aliyun_acr_js_1.aliyunEndpointWarnings)(url.host, reg.name) });
            break;
        case 'ecr':
            store = new ecr_js_1.EcrStore({ ...base, warnings: (0, ecr_js_1.ecrEndpointWarnings)(url.host, reg.name) });
            break;
        case 'gar':
            store = new gar_js_1.GarStore({ ...base, warnings: (0, gar_js_1.garEndpointWarnings)(url.host, reg.name) });
            break;
        case 'quay':
            store = new quay_js_1.QuayStore(base);
            break;
        default:
            store = new registry_store_js_1.RegistryStore(base);
    }
    return (0, hints_js_1.withHints)(store, ctx);
}
function configDir(file) {
    return (0, node_path_1.dirname)((0, node_path_1.resolve)(file));
}


/***/ }),

/***/ 7314:
/***/ ((__unused_webpack_module, exports, __webpack_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.OciLayoutStore = void 0;
exports.verifier = verifier;
/**
 * A directory of OCI image layouts, one per repository: `<root>/<repository>/{oci-layout,
 * index.json, blobs/<alg>/<hex>}` (as regclient's ocidir). Tags are index.json entries with
 * the `org.opencontainers.image.ref.name` annotation.
 * https://github.com/opencontainers/image-spec/blob/main/image-layout.md
 */
const node_fs_1 = __webpack_require__(3024);
const promises_1 = __webpack_require__(1455);
const node_path_1 = __webpack_require__(6760);
const node_stream_1 = __webpack_require__(7075);
const promises_2 = __webpack_require__(6466);
const digest_js_1 = __webpack_require__(8825);
const manifest_js_1 = __webpack_require__(2060);
const media_types_js_1 = __webpack_require__(9217);
const ref_js_1 = __webpack_require__(7700);
const errors_js_1 = __webpack_require__(6764);
const REF_NAME = 'org.opencontainers.image.ref.name';
class OciLayoutStore {
    name;
    display;
    deletesByTag = true;
    mountDomain;
    #root;
    #locks = new Map();
    #counts = new Map();
    #tmp = 0;
    constructor(name, root) {
        this.name = name;
        this.#root = (0, node_path_1.resolve)(root);
        this.display = `oci:${(0, node_path_1.relative)(process.cwd(), this.#root) || '.'}`;
        this.mountDomain = `oci:${this.#root}`;
    }
    #dir(repository) {
        (0, ref_js_1.parseRepository)(repository);
        const dir = (0, node_path_1.resolve)(this.#root, ...repository.split('/'));
        if (!dir.startsWith(this.#root + node_path_1.sep))
            throw new Error(`repository ${repository} leaves the layout root`);
        return dir;
    }
    #blobPath(repository, digest) {
        const d = (0, digest_js_1.parseDigest)(digest);
        const i = d.indexOf(':');
        return (0, node_path_1.join)(this.#dir(repository), 'blobs', d.slice(0, i), d.slice(i + 1));
    }
    #count(op) {
        this.#counts.set(op, (this.#counts.get(op) ?? 0) + 1);
    }
    async listRepositories() {
        const out = [];
        const walk = async (dir, prefix) => {
            let entries;
            try {
                entries = await (0, promises_1.readdir)(dir, { withFileTypes: true });
            }
            catch (e) {
                if (e.code === 'ENOENT')
                    return;
                throw e;
            }
            if (prefix.length && entries.some((e) => e.isFile() && e.name === 'oci-layout'))
                out.push(prefix.join('/'));
            for (const e of entries)
                if (e.isDirectory() && e.name !== 'blobs')
                    await walk((0, node_path_1.join)(dir, e.name), [...prefix, e.name]);
        };
        await walk(this.#root, []);
        return out.sort();
    }
    async #readIndex(repository) {
        try {
            return JSON.parse(await (0, promises_1.readFile)((0, node_path_1.join)(this.#dir(repository), 'index.json'), 'utf8'));
        }
        catch (e) {
            if (e.code === 'ENOENT')
                return { schemaVersion: 2, mediaType: media_types_js_1.MediaType.OciIndex, manifests: [] };
            throw e;
        }
    }
    async listTags(repository) {
        this.#count('tags');
        const index = await this.#readIndex(repository);
        const tags = index.manifests.map((m) => m.annotations?.[REF_NAME]).filter((t) => (0, ref_js_1.isTag)(t));
        return [...new Set(tags)].sort();
    }
    async #resolve(repository, reference) {
        if (reference.includes(':')) {
            const digest = (0, digest_js_1.parseDigest)(reference);
            const st = await (0, promises_1.stat)(this.#blobPath(repository, digest)).catch(() => undefined);
            if (!st)
                return undefined;
            const bytes = await (0, promises_1.readFile)(this.#blobPath(repository, digest));
            return { digest, size: st.size, mediaType: (0, manifest_js_1.parseManifest)(bytes).mediaType };
        }
        (0, ref_js_1.parseTag)(reference);
        const index = await this.#readIndex(repository);
        return index.manifests.find((m) => m.annotations?.[REF_NAME] === reference);
    }
    async manifestHead(repository, reference) {
        this.#count('HEAD');
        const d = await this.#resolve(repository, reference);
        return d && { digest: d.digest, mediaType: d.mediaType, size: d.size };
    }
    async manifestGet(repository, reference) {
        this.#count('GET');
        const d = await this.#resolve(repository, reference);
        if (!d)
            return undefined;
        const bytes = await (0, promises_1.readFile)(this.#blobPath(repository, d.digest));
        if ((0, digest_js_1.digestLike)(d.digest, bytes) !== d.digest)
            throw this.#corrupt(repository, d.digest);
        const parsed = (0, manifest_js_1.parseManifest)(bytes, d.mediaType);
        return { digest: d.digest, mediaType: parsed.mediaType, size: bytes.length, bytes, parsed };
    }
    async manifestPut(repository, reference, bytes, mediaType) {
        this.#count('PUT');
        const digest = (0, digest_js_1.sha256)(bytes);
        if (reference.includes(':') && (0, digest_js_1.parseDigest)(reference) !== digest)
            throw new Error(`manifest bytes do not match ${reference}`);
        await this.#ensureLayout(repository);
        await this.#writeAtomic(this.#blobPath(repository, digest), bytes);
        if (!reference.includes(':')) {
            const tag = (0, ref_js_1.parseTag)(reference);
            await this.#withLock(repository, async () => {
                const index = await this.#readIndex(repository);
                index.manifests = index.manifests.filter((m) => m.annotations?.[REF_NAME] !== tag);
                index.manifests.push({ mediaType, digest, size: bytes.length, annotations: { [REF_NAME]: tag } });
                await this.#writeAtomic((0, node_path_1.join)(this.#dir(repository), 'index.json'), Buffer.from(JSON.stringify(index, null, 2)));
            });
        }
        return digest;
    }
    async blobHead(repository, digest) {
        this.#count('HEAD');
        return (await (0, promises_1.stat)(this.#blobPath(repository, digest)).catch(() => undefined)) !== undefined;
    }
    async blobGet(repository, desc) {
        this.#count('GET');
        const path = this.#blobPath(repository, desc.digest);
        const st = await (0, promises_1.stat)(path).catch(() => undefined);
        if (!st)
            throw new errors_js_1.RegistryError({
                kind: 'not-found',
                registry: this.display,
                repository,
                operation: 'reading blob',
                detail: `blob ${desc.digest} missing`,
            });
        if (st.size !== desc.size)
            throw new errors_js_1.RegistryError({
                kind: 'size-mismatch',
                registry: this.display,
                repository,
                operation: 'reading blob',
                detail: `blob ${desc.digest} has ${st.size} bytes, descriptor says ${desc.size}`,
            });
        return (0, node_fs_1.createReadStream)(path).pipe(verifier(desc.digest, desc.size, () => this.#corrupt(repository, desc.digest)));
    }
    async blobPut(repository, desc, open) {
        this.#count('PUT');
        await this.#ensureLayout(repository);
        const final = this.#blobPath(repository, desc.digest);
        const tmp = `${final}.${process.pid}.${this.#tmp++}.tmp`;
        try {
            await (0, promises_2.pipeline)(await open(), verifier(desc.digest, desc.size, () => this.#corrupt(repository, desc.digest)), (0, node_fs_1.createWriteStream)(tmp));
            await (0, promises_1.rename)(tmp, final);
        }
        catch (e) {
            await (0, promises_1.rm)(tmp, { force: true });
            throw e;
        }
        return { via: 'uploaded', retries: 0 };
    }
    async blobMount() {
        return false;
    }
    async referrers(repository, digest) {
        const fallbackTag = digest.replace(':', '-');
        const m = await this.manifestGet(repository, fallbackTag).catch(() => undefined);
        return { descriptors: m?.parsed.kind === 'index' ? m.parsed.manifests : [], fallbackTag };
    }
    async deleteTag(repository, tag) {
        this.#count('DELETE');
        await this.#withLock(repository, async () => {
            const index = await this.#readIndex(repository);
            index.manifests = index.manifests.filter((m) => m.annotations?.[REF_NAME] !== tag);
            await this.#writeAtomic((0, node_path_1.join)(this.#dir(repository), 'index.json'), Buffer.from(JSON.stringify(index, null, 2)));
        });
        return 'tag';
    }
    requestCounts() {
        return Object.fromEntries(this.#counts);
    }
    async close() { }
    async #ensureLayout(repository) {
        const dir = this.#dir(repository);
        await (0, promises_1.mkdir)((0, node_path_1.join)(dir, 'blobs', 'sha256'), { recursive: true });
        const marker = (0, node_path_1.join)(dir, 'oci-layout');
        if (!(await (0, promises_1.stat)(marker).catch(() => undefined)))
            await (0, promises_1.writeFile)(marker, '{"imageLayoutVersion":"1.0.0"}');
    }
    async #writeAtomic(path, bytes) {
        const tmp = `${path}.${process.pid}.${this.#tmp++}.tmp`;
        await (0, promises_1.writeFile)(tmp, bytes);
        await (0, promises_1.rename)(tmp, path);
    }
    async #withLock(key, fn) {
        const prev = this.#locks.get(key) ?? Promise.resolve();
        const next = prev.then(fn, fn);
        this.#locks.set(key, next.catch(() => { }));
        return next;
    }
    #corrupt(repository, digest) {
        return new errors_js_1.RegistryError({
            kind: 'digest-mismatch',
            registry: this.display,
            repository,
            operation: 'reading',
            detail: `content of ${digest} does not match its digest`,
        });
    }
}
exports.OciLayoutStore = OciLayoutStore;
/** Passes bytes through while checking size and digest; errors at the end (or when too long). */
function verifier(digest, size, onMismatch) {
    const hash = (0, digest_js_1.hasherFor)(digest);
    let n = 0;
    return new node_stream_1.Transform({
        transform(chunk, _enc, cb) {
            n += chunk.length;
            if (n > size)
                return cb(onMismatch());
            hash.update(chunk);
            cb(null, chunk);
        },
        flush(cb) {
            const actual = `${digest.slice(0, digest.indexOf(':'))}:${hash.digest('hex')}`;
            cb(n === size && actual === digest ? null : onMismatch());
        },
    });
}


/***/ }),

/***/ 1552:
/***/ ((__unused_webpack_module, exports, __webpack_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.QuayStore = void 0;
/**
 * Quay (quay.io or self-hosted Red Hat Quay). The organisation must exist before a push; robot
 * accounts (<org>+<name>) log in like users. `_catalog` answers with what the account can see.
 * https://docs.projectquay.io/api_quay.html
 */
const hosted_js_1 = __webpack_require__(243);
class QuayStore extends hosted_js_1.HostedRegistryStore {
    constructor(o) {
        super({ ...o, provider: 'quay', container: 'organization', catalog: true });
    }
}
exports.QuayStore = QuayStore;


/***/ }),

/***/ 943:
/***/ ((__unused_webpack_module, exports, __webpack_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.RegistryStore = void 0;
const client_js_1 = __webpack_require__(2440);
class RegistryStore {
    name;
    display;
    mountDomain;
    deletesByTag;
    client;
    #repositories;
    constructor(o) {
        this.name = o.name;
        this.client = o.client;
        this.display = o.client.registry;
        this.mountDomain = o.client.transport.base.origin;
        this.deletesByTag = o.deletesByTag ?? false;
        this.#repositories = o.repositories;
    }
    async listRepositories() {
        return this.#repositories ? [...this.#repositories] : this.client.catalog();
    }
    listTags(repository) {
        return this.client.tags(repository);
    }
    manifestHead(repository, reference) {
        return this.client.manifestHead(repository, reference);
    }
    manifestGet(repository, reference) {
        return this.client.manifestGet(repository, reference);
    }
    manifestPut(repository, reference, bytes, mediaType) {
        return this.client.manifestPut(repository, reference, bytes, mediaType);
    }
    async blobHead(repository, digest) {
        return (await this.client.blobHead(repository, digest)) !== undefined;
    }
    async blobGet(repository, desc) {
        return (await this.client.blobGet(repository, desc)).stream;
    }
    blobPut(repository, desc, open) {
        return this.client.blobUpload(repository, desc, open);
    }
    blobMount(repository, digest, from) {
        return this.client.blobMount(repository, digest, from);
    }
    async referrers(repository, digest, opts = {}) {
        const fallbackTag = (0, client_js_1.referrersTag)(digest);
        const fallbackTagAbsent = opts.tags !== undefined && !opts.tags.has(fallbackTag);
        return { descriptors: await this.client.referrers(repository, digest, { fallbackTagAbsent }), fallbackTag };
    }
    async deleteTag(repository, tag, digest) {
        if (this.deletesByTag) {
            await this.client.manifestDelete(repository, tag);
            return 'tag';
        }
        await this.client.manifestDelete(repository, digest);
        return 'digest';
    }
    requestCounts() {
        return this.client.transport.counts();
    }
    close() {
        return this.client.close();
    }
}
exports.RegistryStore = RegistryStore;


/***/ }),

/***/ 8527:
/***/ ((__unused_webpack_module, exports, __webpack_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.VendorApi = exports.API_BODY_CAP = void 0;
exports.parseVendorError = parseVendorError;
exports.resetTime = resetTime;
exports.one = one;
exports.nextLink = nextLink;
exports.basicAuth = basicAuth;
exports.mergeCounts = mergeCounts;
const errors_js_1 = __webpack_require__(6764);
const http_js_1 = __webpack_require__(8851);
const secrets_js_1 = __webpack_require__(4537);
/** JSON listings and error bodies: capped so a hostile server cannot exhaust memory. */
exports.API_BODY_CAP = 16 * 1024 * 1024;
const REDIRECTS = [301, 302, 303, 307, 308];
/** Client errors the vendor describes in its own body format: handled here rather than by the Transport. */
const VENDOR_ERRORS = [400, 401, 403, 404, 405, 409, 412, 422, 429];
const MAX_REDIRECTS = 5;
class VendorApi {
    name;
    provider;
    transport;
    #o;
    constructor(o) {
        this.name = o.name;
        this.provider = o.provider;
        this.#o = o;
        this.transport = new http_js_1.Transport({
            registry: o.name,
            baseUrl: o.baseUrl,
            ...(o.tls ? { tls: o.tls } : {}),
            ...(o.retry ? { retry: o.retry } : {}),
            userAgent: o.userAgent ?? 'ferry',
            connections: 4,
            ...(o.dispatcher ? { dispatcher: o.dispatcher } : {}),
        });
    }
    get base() {
        return this.transport.base;
    }
    close() {
        return this.transport.close();
    }
    counts() {
        return this.transport.counts();
    }
    /** Sends a request; throws a RegistryError (with the vendor's message) unless the status is expected. */
    async request(req) {
        const expect = req.expect ?? [200];
        let url = this.#resolve(req.path, req.query);
        let sameOrigin = true;
        let authRetried = false;
        for (let hop = 0;; hop++) {
            const headers = { accept: 'application/json', ...this.#o.headers };
            const authorization = req.auth !== false && sameOrigin ? await this.#o.authorization?.() : undefined;
            if (authorization)
                headers.authorization = authorization;
            if (req.json !== undefined)
                headers['content-type'] = 'application/json';
            const r = await this.transport.send({
                method: req.method,
                path: url.toString(),
                headers,
                ...(req.json !== undefined ? { body: Buffer.from(JSON.stringify(req.json)) } : {}),
                scopes: [],
                expect: [...new Set([...expect, ...REDIRECTS, ...VENDOR_ERRORS])],
                operation: req.operation,
                ...(req.repository ? { repository: req.repository } : {}),
            });
            const location = one(r.headers.location);
            if (!expect.includes(r.status) && REDIRECTS.includes(r.status) && location) {
                await r.body.dump().catch(() => { });
                if (hop + 1 >= MAX_REDIRECTS)
                    throw this.#error(req, r.status, r.url, r.headers, 'too many redirects');
                const next = new URL(location, r.url);
                if (r.url.protocol === 'https:' && next.protocol !== 'https:')
                    throw new errors_js_1.RegistryError({
                        kind: 'redirect-refused',
                        registry: this.name,
                        operation: req.operation,
                        detail: `redirect from https to ${next.protocol}//${next.host} refused`,
                    });
                // Credentials stay on the API's origin (RELIABILITY B1).
                sameOrigin = next.origin === this.base.origin;
                url = next;
                continue;
            }
            if (r.status === 401 &&
                !expect.includes(401) &&
                !authRetried &&
                this.#o.onUnauthorized &&
                req.auth !== false &&
                sameOrigin) {
                await r.body.dump().catch(() => { });
                authRetried = true;
                this.#o.onUnauthorized();
                continue;
            }
            if (req.method === 'HEAD')
                await r.body.dump().catch(() => { });
            const text = req.method === 'HEAD' ? '' : await (0, http_js_1.readCapped)(r.body, exports.API_BODY_CAP);
            if (!expect.includes(r.status))
                throw this.#error(req, r.status, r.url, r.headers, text);
            let body;
            if (text.trim()) {
                try {
                    body = JSON.parse(text);
                }
                catch {
                    body = undefined;
                }
            }
            return { status: r.status, headers: r.headers, body, url: r.url };
        }
    }
    /** `path` relative to the API base, or an absolute URL that must stay on the API's origin. */
    #resolve(path, query) {
        const url = new URL(path, this.base);
        if (url.origin !== this.base.origin)
            throw new errors_js_1.RegistryError({
                kind: 'invalid',
                registry: this.name,
                operation: 'pagination',
                detail: `a link leaves the API (${url.host})`,
            });
        for (const [k, v] of Object.entries(query ?? {}))
            if (v !== undefined)
                url.searchParams.set(k, v);
        return url;
    }
    #error(req, status, url, headers, text) {
        const { codes, message } = parseVendorError(text);
        const kind = rateLimited(status, headers) ? 'rate-limited' : (0, errors_js_1.kindFor)(status, codes);
        const reset = kind === 'rate-limited' ? resetTime(headers) : undefined;
        return new errors_js_1.RegistryError({
            kind,
            registry: this.name,
            ...(req.repository ? { repository: req.repository } : {}),
            operation: req.operation,
            method: req.method,
            url: `${url.origin}${url.pathname}`,
            status,
            codes,
            detail: (0, secrets_js_1.redact)(message || `unexpected HTTP ${status}`),
            ...(kind === 'rate-limited'
                ? {
                    hint: `the ${this.name} API is rate limiting${reset ? `; the limit resets at ${reset.toISOString()}` : ''}. Run later, or authenticate for a higher limit.`,
                    temporary: true,
                }
                : {}),
        });
    }
}
exports.VendorApi = VendorApi;
/**
 * Error bodies as the vendors document them: Harbor and distribution `{"errors":[{code,message}]}`,
 * GitHub `{"message","documentation_url"}`, Docker Hub `{"message"|"detail","errinfo"}`.
 */
function parseVendorError(text) {
    let doc;
    try {
        doc = JSON.parse(text);
    }
    catch {
        return { codes: [], message: text.trim().slice(0, 300) };
    }
    const d = (doc ?? {});
    if (Array.isArray(d.errors)) {
        const errs = d.errors;
        return {
            codes: errs.map((e) => String(e.code ?? '')).filter((c) => /^[A-Z_]{1,64}$/.test(c)),
            message: errs
                .map((e) => String(e.message ?? '').slice(0, 300))
                .filter(Boolean)
                .join('; '),
        };
    }
    const message = typeof d.message === 'string' ? d.message : typeof d.detail === 'string' ? d.detail : '';
    return { codes: [], message: message.slice(0, 300) };
}
/** GitHub answers a primary rate limit with 403 and `x-ratelimit-remaining: 0`. */
function rateLimited(status, headers) {
    return status === 429 || (status === 403 && one(headers['x-ratelimit-remaining']) === '0');
}
/** When the limit resets: `Retry-After` (seconds or a date), `x-ratelimit-reset` (epoch seconds, GitHub, Docker Hub). */
function resetTime(headers, now = Date.now()) {
    const after = one(headers['retry-after']);
    if (after) {
        if (/^\d+$/.test(after))
            return new Date(now + Number(after) * 1000);
        const t = Date.parse(after);
        if (!Number.isNaN(t))
            return new Date(t);
    }
    const reset = one(headers['x-ratelimit-reset']) ?? one(headers['ratelimit-reset']);
    if (reset && /^\d+$/.test(reset)) {
        const n = Number(reset);
        // Epoch seconds, or (IETF draft) seconds from now.
        return new Date(n > 1e9 ? n * 1000 : now + n * 1000);
    }
    return undefined;
}
function one(v) {
    return Array.isArray(v) ? v[0] : v;
}
/** The `rel="next"` URL of a `Link` header (GitHub, Harbor), resolved against `from`. */
function nextLink(link, from) {
    const v = Array.isArray(link) ? link.join(', ') : link;
    if (!v)
        return undefined;
    for (const part of v.split(/,(?=\s*<)/)) {
        const m = /<([^>]*)>\s*;(.*)/.exec(part.trim());
        if (m?.[1] && /rel="?([^";]*\s)?next(\s[^";]*)?"?/.test(m[2] ?? ''))
            return new URL(m[1], from).toString();
    }
    return undefined;
}
/** Basic credentials as an Authorization value. */
function basicAuth(username, password) {
    return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}
/** Adds `b`'s counts to `a` under `prefix` (vendor API requests next to registry requests). */
function mergeCounts(a, b, prefix) {
    const out = { ...a };
    for (const [k, v] of Object.entries(b))
        out[`${prefix}${k}`] = (out[`${prefix}${k}`] ?? 0) + v;
    return out;
}


/***/ }),

/***/ 9111:
/***/ ((__unused_webpack_module, exports) => {


/**
 * WWW-Authenticate parsing (RFC 7235). Real headers seen:
 *   Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"
 *   Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:user/image:pull"
 *   Basic realm="harbor"   (Harbor on /v2/_catalog)
 *   Bearer realm="…",error="insufficient_scope",scope="repository:a:pull repository:b:pull"
 */
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.parseChallenges = parseChallenges;
exports.repositoryScope = repositoryScope;
/** Parses one or more challenges from a WWW-Authenticate header value. */
function parseChallenges(header) {
    if (!header)
        return [];
    const text = Array.isArray(header) ? header.join(', ') : header;
    const out = [];
    let i = 0;
    const n = text.length;
    const skipWs = () => {
        while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === ','))
            i++;
    };
    while (i < n) {
        skipWs();
        const m = /^[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*/.exec(text.slice(i));
        if (!m)
            break;
        const scheme = m[0].toLowerCase();
        i += m[0].length;
        const params = {};
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
                    if (text[i] === '\\' && i + 1 < n)
                        i++;
                    value += text[i];
                    i++;
                }
                i++;
            }
            else {
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
function repositoryScope(repository, actions) {
    return `repository:${repository}:${actions.join(',')}`;
}


/***/ }),

/***/ 3975:
/***/ ((__unused_webpack_module, exports, __webpack_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.dockerConfigPath = dockerConfigPath;
exports.credentialsFromDockerConfig = credentialsFromDockerConfig;
/**
 * Credentials from a Docker config.json, the file `docker login` and docker/login-action write.
 * Looked up per registry host; Docker Hub's many names share one entry.
 * Modelled on the documented format: https://docs.docker.com/reference/cli/docker/login/#credential-stores
 */
const node_child_process_1 = __webpack_require__(1421);
const promises_1 = __webpack_require__(1455);
const node_os_1 = __webpack_require__(8161);
const node_path_1 = __webpack_require__(6760);
const secrets_js_1 = __webpack_require__(4537);
const HUB_KEYS = [
    'https://index.docker.io/v1/',
    'index.docker.io',
    'docker.io',
    'registry-1.docker.io',
    'registry.hub.docker.com',
];
/** `https://host:port/v1/` → `host:port`. */
function keyHost(key) {
    return key
        .replace(/^[a-z]+:\/\//i, '')
        .replace(/\/.*$/, '')
        .toLowerCase();
}
function aliases(host) {
    const h = host.toLowerCase();
    return HUB_KEYS.map(keyHost).includes(h) || h === 'hub.docker.com' ? HUB_KEYS.map(keyHost) : [h];
}
function dockerConfigPath(explicit) {
    if (explicit)
        return explicit.endsWith('.json') ? explicit : (0, node_path_1.join)(explicit, 'config.json');
    return (0, node_path_1.join)(process.env.DOCKER_CONFIG ?? (0, node_path_1.join)((0, node_os_1.homedir)(), '.docker'), 'config.json');
}
/** Reads credentials for `host` from a Docker config; undefined when none. */
async function credentialsFromDockerConfig(host, configPath) {
    let file;
    try {
        file = JSON.parse(await (0, promises_1.readFile)(dockerConfigPath(configPath), 'utf8'));
    }
    catch (e) {
        if (e.code === 'ENOENT')
            return undefined;
        throw new Error(`reading Docker config ${dockerConfigPath(configPath)}: ${e.message}`, { cause: e });
    }
    const names = aliases(host);
    for (const [key, helper] of Object.entries(file.credHelpers ?? {})) {
        if (names.includes(keyHost(key)))
            return credentialHelper(helper, key);
    }
    for (const [key, entry] of Object.entries(file.auths ?? {})) {
        if (!names.includes(keyHost(key)))
            continue;
        if (entry.identitytoken) {
            (0, secrets_js_1.registerSecret)(entry.identitytoken);
            return { identityToken: entry.identitytoken, ...(entry.username ? { username: entry.username } : {}) };
        }
        if (entry.auth) {
            (0, secrets_js_1.registerSecret)(entry.auth);
            const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
            const i = decoded.indexOf(':');
            if (i < 0)
                throw new Error(`Docker config entry for ${key}: "auth" is not base64 of user:password`);
            (0, secrets_js_1.registerSecret)(decoded.slice(i + 1));
            return { username: decoded.slice(0, i), password: decoded.slice(i + 1) };
        }
        if (entry.username && entry.password) {
            (0, secrets_js_1.registerSecret)(entry.password);
            return { username: entry.username, password: entry.password };
        }
    }
    if (file.credsStore) {
        const key = names.includes('index.docker.io') ? 'https://index.docker.io/v1/' : host;
        return credentialHelper(file.credsStore, key).catch(() => undefined);
    }
    return undefined;
}
/** Runs `docker-credential-<name> get` with the server URL on stdin. */
function credentialHelper(name, serverUrl) {
    if (!/^[A-Za-z0-9_.-]+$/.test(name))
        return Promise.reject(new Error(`invalid credential helper name ${JSON.stringify(name)}`));
    return new Promise((resolve, reject) => {
        const child = (0, node_child_process_1.execFile)(`docker-credential-${name}`, ['get'], { timeout: 30_000 }, (err, stdout) => {
            if (err) {
                if (/credentials not found/i.test(stdout))
                    return resolve(undefined);
                return reject(new Error(`credential helper docker-credential-${name} failed: ${err.message.split('\n')[0]}`));
            }
            try {
                const out = JSON.parse(stdout);
                if (!out.Secret)
                    return resolve(undefined);
                (0, secrets_js_1.registerSecret)(out.Secret);
                if (out.Username === '<token>')
                    return resolve({ identityToken: out.Secret });
                resolve({ username: out.Username ?? '', password: out.Secret });
            }
            catch {
                reject(new Error(`credential helper docker-credential-${name} printed invalid JSON`));
            }
        });
        child.stdin?.end(serverUrl);
    });
}


/***/ }),

/***/ 2440:
/***/ ((__unused_webpack_module, exports, __webpack_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.RegistryClient = exports.DEFAULT_CHUNK_SIZE = exports.DEFAULT_CHUNK_THRESHOLD = exports.MANIFEST_CAP = void 0;
exports.referrersTag = referrersTag;
/**
 * OCI Distribution client for one registry: ping, catalog, tags, manifests, blobs, uploads,
 * mounts and referrers. Every registry-supplied string is validated before it is used.
 * https://github.com/opencontainers/distribution-spec/blob/main/spec.md
 */
const node_stream_1 = __webpack_require__(7075);
const digest_js_1 = __webpack_require__(8825);
const manifest_js_1 = __webpack_require__(2060);
const media_types_js_1 = __webpack_require__(9217);
const ref_js_1 = __webpack_require__(7700);
const challenge_js_1 = __webpack_require__(9111);
const errors_js_1 = __webpack_require__(6764);
const retry_js_1 = __webpack_require__(1521);
const http_js_1 = __webpack_require__(8851);
exports.MANIFEST_CAP = 8 * 1024 * 1024;
/** Reads of a manifest body that lose the connection are retried this many times in all. */
const MANIFEST_BODY_ATTEMPTS = 3;
/** Blobs above this go up in chunks; below, one POST + one PUT (most widely supported). */
exports.DEFAULT_CHUNK_THRESHOLD = Number.POSITIVE_INFINITY;
exports.DEFAULT_CHUNK_SIZE = 16 * 1024 * 1024;
class RegistryClient {
    transport;
    registry;
    #chunkThreshold;
    #chunkSize;
    #pinged;
    /** Whether the registry has the referrers API (learned on first use). */
    #referrersApi;
    constructor(o) {
        this.transport = new http_js_1.Transport(o);
        this.registry = o.registry;
        this.#chunkThreshold = o.chunkThreshold ?? exports.DEFAULT_CHUNK_THRESHOLD;
        this.#chunkSize = o.chunkSize ?? exports.DEFAULT_CHUNK_SIZE;
    }
    close() {
        return this.transport.close();
    }
    /** GET /v2/ once, to learn the auth challenge before any request with a body. */
    ping() {
        this.#pinged ??= (async () => {
            // Only 200 is expected: with 401 in `expect` the transport returned the first challenge
            // as a success and never authenticated, so every ping of a Basic or token registry failed.
            // Now the transport learns the challenge from the 401 and retries with credentials; a
            // second 401 (bad credentials) becomes its 'unauthorized' RegistryError.
            const r = await this.transport.send({
                method: 'GET',
                path: '/v2/',
                scopes: [],
                expect: [200],
                operation: 'ping',
            });
            await r.body.dump().catch(() => { });
        })();
        this.#pinged.catch(() => {
            this.#pinged = undefined;
        });
        return this.#pinged;
    }
    async #send(req) {
        await this.ping();
        return this.transport.send(req);
    }
    /** Lists repositories through `_catalog`, following `Link` pagination. */
    async catalog(pageSize = 1000) {
        const out = [];
        await this.#paginate('/v2/_catalog', pageSize, ['registry:catalog:*'], 'listing repositories', undefined, (doc) => {
            const repos = doc.repositories;
            if (!Array.isArray(repos))
                return;
            for (const r of repos)
                out.push((0, ref_js_1.parseRepository)(r, `catalog of ${this.registry}`));
        });
        return out;
    }
    /** Lists tags of a repository (all pages). A repository that does not exist has no tags. */
    async tags(repository, pageSize = 1000) {
        (0, ref_js_1.parseRepository)(repository);
        const out = [];
        try {
            await this.#paginate(`/v2/${repository}/tags/list`, pageSize, [pull(repository)], 'listing tags of', repository, (doc) => {
                const tags = doc.tags;
                if (!Array.isArray(tags))
                    return;
                for (const t of tags)
                    if ((0, ref_js_1.isTag)(t))
                        out.push(t);
            });
        }
        catch (e) {
            if (e instanceof errors_js_1.RegistryError && e.kind === 'not-found' && e.codes.includes('NAME_UNKNOWN'))
                return [];
            if (e instanceof errors_js_1.RegistryError && e.status === 404 && e.codes.length === 0)
                return [];
            throw e;
        }
        return out;
    }
    async #paginate(path, n, scopes, operation, repository, onPage) {
        let next = path;
        let query = { n: String(n) };
        for (let page = 0; next && page < 100_000; page++) {
            const r = await this.#send({
                method: 'GET',
                path: next,
                ...(query ? { query } : {}),
                scopes,
                expect: [200],
                operation,
                ...(repository ? { repository } : {}),
            });
            const text = await (0, http_js_1.readCapped)(r.body, exports.MANIFEST_CAP);
            try {
                onPage(JSON.parse(text));
            }
            catch (e) {
                if (e instanceof errors_js_1.RegistryError || e.name === 'InvalidReferenceError')
                    throw e;
                throw new errors_js_1.RegistryError({ kind: 'invalid', registry: this.registry, operation, detail: 'listing is not JSON' });
            }
            next = this.#nextLink(r.headers.link, r.url);
            query = undefined;
        }
    }
    /** `Link: </v2/_catalog?last=x&n=100>; rel="next"` — must stay on the registry. */
    #nextLink(link, from) {
        const v = Array.isArray(link) ? link.join(', ') : link;
        if (!v)
            return undefined;
        const m = /<([^>]*)>\s*;\s*rel="?next"?/.exec(v);
        if (!m?.[1])
            return undefined;
        const u = new URL(m[1], from);
        if (u.origin !== this.transport.base.origin)
            throw new errors_js_1.RegistryError({
                kind: 'invalid',
                registry: this.registry,
                operation: 'pagination',
                detail: `Link leaves the registry (${u.host})`,
            });
        return u.pathname + u.search;
    }
    /** HEAD a manifest by tag or digest; undefined when absent. One request, no pull counted on Docker Hub. */
    async manifestHead(repository, reference) {
        const ref = this.#manifestRef(repository, reference);
        const r = await this.#send({
            method: 'HEAD',
            path: `/v2/${repository}/manifests/${ref}`,
            headers: { accept: media_types_js_1.MANIFEST_ACCEPT },
            scopes: [pull(repository)],
            expect: [200, 404],
            operation: 'checking manifest of',
            repository,
        });
        await r.body.dump().catch(() => { });
        if (r.status === 404)
            return undefined;
        const digest = header(r.headers, 'docker-content-digest');
        const type = header(r.headers, 'content-type');
        const length = header(r.headers, 'content-length');
        const size = Number(length);
        // A missing Content-Length came back as size NaN (Number(undefined)); RELIABILITY C2 asks for
        // both the digest and the length, else a GET that computes them.
        if (!digest || !type || length === undefined || !Number.isSafeInteger(size) || size < 0) {
            // Some registries omit the digest on HEAD: fall back to a GET and compute it (RELIABILITY C2).
            const m = await this.manifestGet(repository, reference);
            return m && { digest: m.digest, mediaType: m.mediaType, size: m.size };
        }
        return {
            digest: (0, digest_js_1.parseDigest)(digest, `Docker-Content-Digest of ${repository}:${reference}`),
            mediaType: stripParams(type),
            size,
        };
    }
    /** GET a manifest; verifies the digest when fetched by digest, computes it when by tag. */
    async manifestGet(repository, reference) {
        const ref = this.#manifestRef(repository, reference);
        let r;
        let bytes;
        // The transport retries failures before the headers; a connection lost while reading the
        // (small) body is retried here. Before, any body error, a reset or a truncation included, was
        // reported as "manifest is larger than 8 MiB" (kind 'too-large') and never retried.
        for (let attempt = 1;; attempt++) {
            r = await this.#send({
                method: 'GET',
                path: `/v2/${repository}/manifests/${ref}`,
                headers: { accept: media_types_js_1.MANIFEST_ACCEPT },
                scopes: [pull(repository)],
                expect: [200, 404],
                operation: 'fetching manifest of',
                repository,
            });
            if (r.status === 404) {
                await r.body.dump().catch(() => { });
                return undefined;
            }
            try {
                bytes = await (0, http_js_1.readCappedBytes)(r.body, exports.MANIFEST_CAP);
                break;
            }
            catch (e) {
                if (e.code === 'FERRY_BODY_TOO_LARGE')
                    throw new errors_js_1.RegistryError({
                        kind: 'too-large',
                        registry: this.registry,
                        repository,
                        operation: 'fetching manifest of',
                        detail: `manifest ${reference} is larger than ${exports.MANIFEST_CAP} bytes`,
                        cause: e,
                    });
                if (attempt >= MANIFEST_BODY_ATTEMPTS || !(0, retry_js_1.isTransientNetworkError)(e))
                    throw new errors_js_1.RegistryError({
                        kind: 'network',
                        registry: this.registry,
                        repository,
                        operation: 'fetching manifest of',
                        detail: `manifest ${reference}: connection lost while reading the body: ${e.message}`,
                        temporary: true,
                        cause: e,
                    });
            }
        }
        const contentType = stripParams(header(r.headers, 'content-type') ?? '');
        const digest = reference.includes(':') ? (0, digest_js_1.parseDigest)(reference) : (0, digest_js_1.sha256)(bytes);
        const actual = (0, digest_js_1.digestLike)(digest, bytes);
        if (actual !== digest)
            throw new errors_js_1.RegistryError({
                kind: 'digest-mismatch',
                registry: this.registry,
                repository,
                operation: 'fetching manifest of',
                detail: `manifest ${reference}: content has digest ${actual}`,
            });
        let parsed;
        try {
            parsed = (0, manifest_js_1.parseManifest)(bytes, contentType);
        }
        catch (e) {
            throw new errors_js_1.RegistryError({
                kind: 'invalid',
                registry: this.registry,
                repository,
                operation: `manifest ${reference}`,
                detail: e.message,
                cause: e,
            });
        }
        return { digest, mediaType: parsed.mediaType, size: bytes.length, bytes, parsed };
    }
    /** PUT manifest bytes exactly as given under a tag or its digest. */
    async manifestPut(repository, reference, bytes, mediaType) {
        const ref = this.#manifestRef(repository, reference);
        const digest = (0, digest_js_1.sha256)(bytes);
        const r = await this.#send({
            method: 'PUT',
            path: `/v2/${repository}/manifests/${ref}`,
            headers: { 'content-type': mediaType },
            body: bytes,
            scopes: [push(repository)],
            expect: [201, 202],
            operation: 'writing manifest to',
            repository,
        });
        await r.body.dump().catch(() => { });
        const returned = header(r.headers, 'docker-content-digest');
        if (returned && returned !== digest && returned.startsWith('sha256:'))
            throw new errors_js_1.RegistryError({
                kind: 'digest-mismatch',
                registry: this.registry,
                repository,
                operation: 'writing manifest to',
                detail: `registry stored ${returned}, sent ${digest}`,
            });
        return digest;
    }
    /** DELETE a manifest by digest (by tag where the registry allows it: spec end-9). */
    async manifestDelete(repository, reference) {
        const ref = this.#manifestRef(repository, reference);
        const r = await this.#send({
            method: 'DELETE',
            path: `/v2/${repository}/manifests/${ref}`,
            scopes: [(0, challenge_js_1.repositoryScope)(repository, ['delete']), pull(repository)],
            expect: [202, 200],
            operation: 'deleting manifest from',
            repository,
        });
        await r.body.dump().catch(() => { });
    }
    /** HEAD a blob; its size when present, undefined when absent. */
    async blobHead(repository, digest) {
        (0, ref_js_1.parseRepository)(repository);
        (0, digest_js_1.parseDigest)(digest);
        const r = await this.#send({
            method: 'HEAD',
            path: `/v2/${repository}/blobs/${digest}`,
            scopes: [pull(repository)],
            expect: [200, 404],
            operation: 'checking blob in',
            repository,
        });
        await r.body.dump().catch(() => { });
        if (r.status === 404)
            return undefined;
        const n = Number(header(r.headers, 'content-length'));
        return Number.isFinite(n) ? n : 0;
    }
    /**
     * Streams a blob, verifying size and digest while it flows. A connection lost mid-body is
     * resumed with `Range: bytes=N-` (only a 206 starting at N is accepted; a 200 restarts
     * nothing and fails). The stream errors instead of ending when the content is wrong.
     */
    async blobGet(repository, desc, maxResumes = 3) {
        (0, ref_js_1.parseRepository)(repository);
        const digest = (0, digest_js_1.parseDigest)(desc.digest);
        const first = await this.#send({
            method: 'GET',
            path: `/v2/${repository}/blobs/${digest}`,
            scopes: [pull(repository)],
            expect: [200],
            operation: 'fetching blob from',
            repository,
        });
        const length = header(first.headers, 'content-length');
        if (length !== undefined && Number(length) !== desc.size) {
            await first.body.dump().catch(() => { });
            throw new errors_js_1.RegistryError({
                kind: 'size-mismatch',
                registry: this.registry,
                repository,
                operation: 'fetching blob from',
                detail: `blob ${digest}: Content-Length ${length} but the descriptor says ${desc.size}`,
            });
        }
        const encoding = header(first.headers, 'content-encoding');
        if (encoding && encoding !== 'identity') {
            await first.body.dump().catch(() => { });
            throw new errors_js_1.RegistryError({
                kind: 'invalid',
                registry: this.registry,
                repository,
                operation: 'fetching blob from',
                detail: `blob ${digest} came with Content-Encoding ${encoding}; blobs must be sent as stored`,
            });
        }
        return {
            stream: node_stream_1.Readable.from(this.#verified(repository, digest, desc.size, first, maxResumes), { objectMode: false }),
            size: desc.size,
        };
    }
    /** The bytes of `first`, resumed after a lost connection and checked against size and digest. */
    async *#verified(repository, digest, size, first, maxResumes) {
        const hash = (0, digest_js_1.hasherFor)(digest);
        let received = 0;
        let body = first.body;
        let resumes = 0;
        // The newest chunk is held back until the next one arrives, and the last one until size and
        // digest are checked: a consumer (an upload PUT with an exact Content-Length) never gets the
        // complete bytes of a corrupt blob, so the destination cannot commit them (RELIABILITY C1).
        let held;
        for (;;) {
            try {
                for await (const chunk of body) {
                    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk); // undici yields Buffers: no copy
                    const room = size - received;
                    if (buf.length > room)
                        throw this.#blobError(repository, 'size-mismatch', `blob ${digest} is longer than ${size} bytes`);
                    received += buf.length;
                    hash.update(buf);
                    if (held)
                        yield held;
                    held = buf;
                }
                break;
            }
            catch (e) {
                if (e instanceof errors_js_1.RegistryError || received >= size || resumes >= maxResumes || !isResumable(e)) {
                    if (e instanceof errors_js_1.RegistryError)
                        throw e;
                    throw this.#blobError(repository, 'network', `blob ${digest}: connection lost after ${received} of ${size} bytes: ${e.message}`, e);
                }
                resumes++;
                body = await this.#resume(repository, digest, received, size);
            }
        }
        if (received !== size)
            throw this.#blobError(repository, 'size-mismatch', `blob ${digest}: received ${received} of ${size} bytes`);
        const actual = `${digest.slice(0, digest.indexOf(':'))}:${hash.digest('hex')}`;
        if (actual !== digest)
            throw this.#blobError(repository, 'digest-mismatch', `blob ${digest}: content has digest ${actual}`);
        if (held)
            yield held;
    }
    async #resume(repository, digest, from, size) {
        const r = await this.transport.send({
            method: 'GET',
            path: `/v2/${repository}/blobs/${digest}`,
            headers: { range: `bytes=${from}-` },
            scopes: [pull(repository)],
            expect: [200, 206],
            operation: 'resuming blob from',
            repository,
        });
        const cr = header(r.headers, 'content-range');
        const m = cr ? /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(cr) : null;
        if (r.status !== 206 || !m || Number(m[1]) !== from || Number(m[2]) !== size - 1) {
            await r.body.dump().catch(() => { });
            throw this.#blobError(repository, 'network', `blob ${digest}: cannot resume at byte ${from}: the registry ignored or mis-answered the Range request`);
        }
        return r.body;
    }
    #blobError(repository, kind, detail, cause) {
        return new errors_js_1.RegistryError({
            kind,
            registry: this.registry,
            repository,
            operation: 'fetching blob from',
            detail,
            cause,
            temporary: kind === 'network',
        });
    }
    /**
     * Asks the registry to link an existing blob from another repository (same registry only).
     * Returns true when mounted (201); false when declined (202 — the opened session is cancelled).
     */
    async blobMount(repository, digest, from) {
        (0, ref_js_1.parseRepository)(repository);
        (0, ref_js_1.parseRepository)(from);
        const r = await this.#send({
            method: 'POST',
            path: `/v2/${repository}/blobs/uploads/`,
            query: { mount: (0, digest_js_1.parseDigest)(digest), from },
            scopes: [push(repository), pull(from)],
            expect: [201, 202],
            operation: 'mounting blob into',
            repository,
        });
        await r.body.dump().catch(() => { });
        if (r.status === 201)
            return true;
        const loc = header(r.headers, 'location');
        if (loc)
            await this.#cancelUpload(repository, new URL(loc, r.url));
        return false;
    }
    /**
     * Uploads a blob whose bytes come from `open()` (called again for each attempt). Monolithic
     * POST + PUT with an exact Content-Length by default; chunked PATCHes above the threshold.
     * The registry verifies the digest on the final PUT.
     */
    async blobUpload(repository, desc, open) {
        (0, ref_js_1.parseRepository)(repository);
        const digest = (0, digest_js_1.parseDigest)(desc.digest);
        let chunked = desc.size > this.#chunkThreshold;
        const attempts = 3;
        let retries = 0;
        for (let attempt = 0;; attempt++) {
            const location = await this.#startUpload(repository);
            try {
                if (chunked)
                    await this.#uploadChunked(repository, location, digest, desc.size, open);
                else
                    await this.#uploadMonolithic(repository, location, digest, desc.size, open);
                return { via: 'uploaded', retries };
            }
            catch (e) {
                await this.#cancelUpload(repository, location);
                // A registry that refuses a whole-blob PUT (JFrog's 400, a proxy's 413) gets chunks instead.
                if (!chunked && e instanceof errors_js_1.RegistryError && (e.status === 413 || e.status === 400 || e.status === 416)) {
                    chunked = true;
                    retries++;
                    if (attempt + 1 < attempts)
                        continue;
                }
                const temporary = e instanceof errors_js_1.RegistryError ? e.temporary : true;
                // The whole session is retried, never a single request with a consumed body (RELIABILITY A4).
                if (!temporary || attempt + 1 >= attempts)
                    throw e;
                retries++;
            }
        }
    }
    async #startUpload(repository) {
        const r = await this.#send({
            method: 'POST',
            path: `/v2/${repository}/blobs/uploads/`,
            scopes: [push(repository)],
            expect: [202],
            operation: 'starting upload to',
            repository,
        });
        await r.body.dump().catch(() => { });
        return this.#location(r.headers, r.url, repository);
    }
    #location(headers, base, repository) {
        const loc = header(headers, 'location');
        if (!loc)
            throw new errors_js_1.RegistryError({
                kind: 'invalid',
                registry: this.registry,
                repository,
                operation: 'upload',
                detail: 'upload response has no Location',
            });
        const u = new URL(loc, base);
        if (u.protocol !== 'https:' && u.protocol !== 'http:')
            throw new errors_js_1.RegistryError({
                kind: 'invalid',
                registry: this.registry,
                repository,
                operation: 'upload',
                detail: `upload Location has scheme ${u.protocol}`,
            });
        if (this.transport.base.protocol === 'https:' && u.protocol === 'http:')
            throw new errors_js_1.RegistryError({
                kind: 'redirect-refused',
                registry: this.registry,
                repository,
                operation: 'upload',
                detail: 'upload Location downgrades https to http',
            });
        return u;
    }
    async #uploadMonolithic(repository, location, digest, size, open) {
        const u = new URL(location);
        u.searchParams.set('digest', digest);
        const r = await this.transport.send({
            method: 'PUT',
            path: u.toString(),
            headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
            body: open,
            scopes: [push(repository)],
            expect: [201],
            operation: 'uploading blob to',
            repository,
            retry: false,
        });
        await r.body.dump().catch(() => { });
    }
    /** Chunked upload (spec: "Pushing a blob in chunks"), honouring OCI-Chunk-Min-Length and resuming from the registry's Range. */
    async #uploadChunked(repository, start, digest, size, open) {
        let location = start;
        let offset = 0;
        const source = await open();
        let pending = Buffer.alloc(0);
        const iterator = source[Symbol.asyncIterator]();
        let done = false;
        let chunkSize = this.#chunkSize;
        while (offset < size) {
            while (!done && pending.length < chunkSize) {
                const n = await iterator.next();
                if (n.done)
                    done = true;
                else
                    pending = pending.length ? Buffer.concat([pending, n.value]) : Buffer.from(n.value);
            }
            const chunk = pending.subarray(0, Math.min(chunkSize, pending.length));
            if (chunk.length === 0)
                break;
            let sent = false;
            for (let tries = 0; !sent; tries++) {
                try {
                    const r = await this.transport.send({
                        method: 'PATCH',
                        path: location.toString(),
                        headers: {
                            'content-type': 'application/octet-stream',
                            'content-length': String(chunk.length),
                            // start-end without a "bytes " prefix (Azure rejects it).
                            'content-range': `${offset}-${offset + chunk.length - 1}`,
                        },
                        body: chunk,
                        scopes: [push(repository)],
                        expect: [202, 201],
                        operation: 'uploading chunk to',
                        repository,
                        retry: false,
                    });
                    await r.body.dump().catch(() => { });
                    location = this.#location(r.headers, r.url, repository);
                    const min = Number(header(r.headers, 'oci-chunk-min-length'));
                    if (Number.isFinite(min) && min > chunkSize)
                        chunkSize = min;
                    sent = true;
                    offset += chunk.length;
                    pending = pending.subarray(chunk.length);
                }
                catch (e) {
                    if (tries >= 2)
                        throw e;
                    // Ask the registry how much it has (GET <location> → 204, Range: 0-N) and continue from there.
                    const have = await this.#uploadStatus(repository, location);
                    if (have === undefined || have < offset || have > offset + chunk.length)
                        throw e;
                    const advance = have - offset;
                    offset = have;
                    pending = pending.subarray(advance);
                    if (advance === chunk.length)
                        sent = true;
                }
            }
        }
        const u = new URL(location);
        u.searchParams.set('digest', digest);
        const r = await this.transport.send({
            method: 'PUT',
            path: u.toString(),
            headers: { 'content-length': '0' },
            scopes: [push(repository)],
            expect: [201],
            operation: 'completing upload to',
            repository,
        });
        await r.body.dump().catch(() => { });
    }
    async #uploadStatus(repository, location) {
        try {
            const r = await this.transport.send({
                method: 'GET',
                path: location.toString(),
                scopes: [push(repository)],
                expect: [204],
                operation: 'checking upload to',
                repository,
            });
            await r.body.dump().catch(() => { });
            const m = /^(?:bytes=)?0-(\d+)$/.exec(header(r.headers, 'range') ?? '');
            return m ? Number(m[1]) + 1 : 0;
        }
        catch {
            return undefined;
        }
    }
    async #cancelUpload(repository, location) {
        await this.transport
            .send({
            method: 'DELETE',
            path: location.toString(),
            scopes: [push(repository)],
            expect: [204, 202, 200, 404],
            operation: 'cancelling upload to',
            repository,
            retry: false,
        })
            .then((r) => r.body.dump())
            .catch(() => { });
    }
    /**
     * Manifests that name `subject` as their subject: the referrers API, or on 404 the
     * `sha256-<hex>` fallback tag holding an index (spec: "Listing Referrers").
     */
    async referrers(repository, subject, opts = {}) {
        (0, ref_js_1.parseRepository)(repository);
        (0, digest_js_1.parseDigest)(subject);
        // A registry without the API (distribution 2.8) answers 404 once; the run does not ask again.
        if (this.#referrersApi === false)
            return opts.fallbackTagAbsent ? [] : this.#referrersFallback(repository, subject);
        const r = await this.#send({
            method: 'GET',
            path: `/v2/${repository}/referrers/${subject}`,
            headers: { accept: media_types_js_1.MediaType.OciIndex },
            scopes: [pull(repository)],
            expect: [200, 404],
            operation: 'listing referrers in',
            repository,
        });
        if (r.status === 200 && stripParams(header(r.headers, 'content-type') ?? '') === media_types_js_1.MediaType.OciIndex) {
            this.#referrersApi = true;
            const bytes = await (0, http_js_1.readCappedBytes)(r.body, exports.MANIFEST_CAP);
            return (0, manifest_js_1.parseManifest)(bytes, media_types_js_1.MediaType.OciIndex).manifests;
        }
        await r.body.dump().catch(() => { });
        this.#referrersApi = false;
        return opts.fallbackTagAbsent ? [] : this.#referrersFallback(repository, subject);
    }
    async #referrersFallback(repository, subject) {
        const fallback = await this.manifestGet(repository, referrersTag(subject));
        if (!fallback || fallback.parsed.kind !== 'index')
            return [];
        return fallback.parsed.manifests;
    }
    #manifestRef(repository, reference) {
        (0, ref_js_1.parseRepository)(repository);
        return reference.includes(':')
            ? (0, digest_js_1.parseDigest)(reference, `manifest reference in ${repository}`)
            : (0, ref_js_1.parseTag)(reference);
    }
}
exports.RegistryClient = RegistryClient;
/** The tag-schema fallback tag for a subject: `sha256-<hex>`. */
function referrersTag(subject) {
    return subject.replace(':', '-');
}
function pull(repository) {
    return (0, challenge_js_1.repositoryScope)(repository, ['pull']);
}
function push(repository) {
    return (0, challenge_js_1.repositoryScope)(repository, ['pull', 'push']);
}
function header(h, name) {
    const v = h[name];
    return Array.isArray(v) ? v[0] : v;
}
function stripParams(contentType) {
    return contentType.split(';')[0]?.trim() ?? '';
}
function isResumable(e) {
    return !(e instanceof errors_js_1.RegistryError);
}


/***/ }),

/***/ 6764:
/***/ ((__unused_webpack_module, exports) => {


/**
 * One typed error for everything that goes wrong talking to a registry.
 * Branch on `kind`/`codes`, never on message text.
 */
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.RegistryError = void 0;
exports.kindFor = kindFor;
exports.parseErrorBody = parseErrorBody;
class RegistryError extends Error {
    name = 'RegistryError';
    kind;
    registry;
    repository;
    operation;
    method;
    url;
    status;
    codes;
    hint;
    temporary;
    constructor(init) {
        const where = init.repository ? `${init.registry}/${init.repository}` : init.registry;
        const status = init.status ? ` (HTTP ${init.status}${init.codes?.length ? ` ${init.codes.join(', ')}` : ''})` : '';
        super(`${init.operation} ${where}: ${init.detail ?? init.kind}${status}`, { cause: init.cause });
        this.kind = init.kind;
        this.registry = init.registry;
        this.repository = init.repository;
        this.operation = init.operation;
        this.method = init.method;
        this.url = init.url;
        this.status = init.status;
        this.codes = init.codes ?? [];
        this.hint = init.hint ?? defaultHint(init);
        this.temporary = init.temporary ?? false;
    }
}
exports.RegistryError = RegistryError;
/** Maps status and distribution error codes to a kind. */
function kindFor(status, codes) {
    if (codes.includes('TOOMANYREQUESTS') || status === 429)
        return 'rate-limited';
    if (status === 401 || codes.includes('UNAUTHORIZED'))
        return 'unauthorized';
    if (status === 403 || codes.includes('DENIED'))
        return 'denied';
    if (status === 404 ||
        codes.some((c) => c === 'NAME_UNKNOWN' || c === 'MANIFEST_UNKNOWN' || c === 'BLOB_UNKNOWN' || c === 'BLOB_UPLOAD_UNKNOWN'))
        return 'not-found';
    if (status === 405 || codes.includes('UNSUPPORTED'))
        return 'unsupported';
    if (status === 413)
        return 'too-large';
    if (status >= 500)
        return 'server';
    if (status === 400 || codes.some((c) => c.endsWith('_INVALID')))
        return 'invalid';
    return 'http';
}
function defaultHint(e) {
    const codes = e.codes ?? [];
    switch (e.kind) {
        case 'unauthorized':
            return `the registry ${e.registry} refused the credentials (or none were found): check the credentials configured for it, or the Docker config.json entry for ${e.registry}`;
        case 'denied':
            if (e.registry === 'docker.io' || e.registry === 'registry-1.docker.io')
                return 'Docker Hub only accepts pushes to <namespace>/<name> where the account may write: set destination_namespace to your user or organisation';
            // Names the registry: a user with several registries must see which one refused.
            return `the account has no ${e.method === 'GET' || e.method === 'HEAD' ? 'pull' : 'push'} permission on ${e.repository ?? 'this repository'} at ${e.registry}: grant it, or check that the namespace/project exists`;
        case 'not-found':
            if (codes.includes('NAME_UNKNOWN'))
                return 'the repository does not exist; on registries that require it (Harbor project, Aliyun ACR namespace, ECR repository) create it first';
            return undefined;
        case 'rate-limited':
            return 'the registry is rate limiting: lower concurrency, authenticate (Docker Hub gives authenticated users more pulls), or run later';
        case 'unsupported':
            return 'the registry does not support this operation (e.g. manifest DELETE disabled, or Docker Hub/GHCR which delete through their own API)';
        case 'tls':
            return "TLS verification failed: give the registry's CA with tls: { ca: path/to/ca.pem }, or for a registry you trust without TLS use tls: { verify: false }";
        case 'digest-mismatch':
        case 'size-mismatch':
            return 'the content received does not match its digest: a proxy or the registry corrupted or truncated it; nothing was written';
        case 'too-large':
            return 'the registry refused the size of this request (manifest over its limit, or a proxy body limit)';
        default:
            return undefined;
    }
}
/** Parses a distribution error body `{"errors":[{"code":…,"message":…}]}`. */
function parseErrorBody(text) {
    try {
        const doc = JSON.parse(text);
        if (Array.isArray(doc.errors)) {
            return {
                codes: doc.errors.map((e) => String(e.code ?? '')).filter((c) => /^[A-Z_]{1,64}$/.test(c)),
                messages: doc.errors.map((e) => String(e.message ?? '').slice(0, 300)).filter(Boolean),
            };
        }
    }
    catch {
        // not JSON: fall through
    }
    return { codes: [], messages: text.trim() ? [text.trim().slice(0, 300)] : [] };
}


/***/ }),

/***/ 8851:
/***/ ((__unused_webpack_module, exports, __webpack_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.Transport = exports.TOKEN_BODY_CAP = exports.ERROR_BODY_CAP = void 0;
exports.addressClass = addressClass;
exports.isLoopback = isLoopback;
exports.readCapped = readCapped;
exports.readCappedBytes = readCappedBytes;
/**
 * The only place that builds registry URLs and sends requests: auth, retries with backoff
 * honouring Retry-After, manual redirects that never carry credentials to another origin,
 * TLS options, body caps and error mapping.
 * https://github.com/opencontainers/distribution-spec/blob/main/spec.md
 */
const promises_1 = __webpack_require__(8500);
const node_net_1 = __webpack_require__(7030);
const undici_1 = __webpack_require__(4371);
const secrets_js_1 = __webpack_require__(4537);
const challenge_js_1 = __webpack_require__(9111);
const errors_js_1 = __webpack_require__(6764);
const retry_js_1 = __webpack_require__(1521);
exports.ERROR_BODY_CAP = 64 * 1024;
exports.TOKEN_BODY_CAP = 1024 * 1024;
const MAX_REDIRECTS = 10;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
class Transport {
    registry;
    base;
    #agent;
    #credentials;
    #retry;
    #sleep;
    #userAgent;
    #challenge;
    #tokens = new Map();
    /** Shared backoff: a 429 on one request slows every request to this host. */
    #notBefore = 0;
    /** Requests sent, by method, for reports and the benchmark. */
    requestCount = new Map();
    constructor(o) {
        this.registry = o.registry;
        this.base = new URL(o.baseUrl);
        if (this.base.protocol !== 'https:' && this.base.protocol !== 'http:')
            throw new Error(`registry ${o.registry}: URL must be http:// or https://, got ${this.base.protocol}`);
        this.#credentials = o.credentials;
        this.#retry = { ...retry_js_1.DEFAULT_RETRY, ...o.retry };
        this.#sleep = o.sleep ?? ((ms) => (0, promises_1.setTimeout)(ms));
        this.#userAgent = o.userAgent ?? 'ferry';
        this.#agent =
            o.dispatcher ??
                new undici_1.Agent({
                    connections: o.connections ?? 8,
                    // HTTP/1.1 only: with undici's HTTP/2 a request body that errors mid-upload (a corrupt
                    // source blob) left the event loop spinning against distribution 2.8.2 instead of failing.
                    allowH2: false,
                    keepAliveTimeout: 30_000,
                    headersTimeout: 60_000,
                    bodyTimeout: 120_000,
                    connect: {
                        ...(o.tls?.ca ? { ca: o.tls.ca } : {}),
                        rejectUnauthorized: o.tls?.verify !== false,
                    },
                });
        if (this.#credentials && 'password' in this.#credentials) {
            (0, secrets_js_1.registerSecret)(this.#credentials.password);
            (0, secrets_js_1.registerSecret)(this.#basicValue());
        }
        if (this.#credentials && 'identityToken' in this.#credentials)
            (0, secrets_js_1.registerSecret)(this.#credentials.identityToken);
    }
    async close() {
        await this.#agent.close();
    }
    /** Sends a request, retrying transient failures; throws RegistryError unless the status is expected. */
    async send(req) {
        const retryable = req.retry ?? true;
        let retries = 0;
        let scopes = [...req.scopes];
        let authRetried = false;
        for (let attempt = 0;; attempt++) {
            const wait = this.#notBefore - Date.now();
            if (wait > 0)
                await this.#sleep(wait);
            let res;
            try {
                res = await this.#sendFollowingRedirects(req, scopes);
            }
            catch (e) {
                if (e instanceof errors_js_1.RegistryError)
                    throw e;
                const transient = (0, retry_js_1.isTransientNetworkError)(e);
                if (transient && retryable && attempt + 1 < this.#retry.attempts) {
                    retries++;
                    await this.#sleep((0, retry_js_1.backoffDelay)(attempt, this.#retry));
                    continue;
                }
                throw this.#networkError(req, e);
            }
            res.retries = retries;
            if (req.expect.includes(res.status)) {
                if (attempt > 0)
                    this.#notBefore = 0;
                return res;
            }
            // Only a 401 from the registry's own origin may set the challenge: one from a redirect
            // target (a CDN) named a realm that then received the registry's credentials (T11, B1).
            if (res.status === 401 && !authRetried && res.url.origin === this.base.origin) {
                const challenge = (0, challenge_js_1.parseChallenges)(res.headers['www-authenticate'])[0];
                if (challenge) {
                    await res.body.dump().catch(() => { });
                    authRetried = true;
                    this.#challenge = challenge;
                    const extra = challenge.params.scope?.split(' ').filter((s) => s && !scopes.includes(s)) ?? [];
                    // Some registries only look at the first scope: missing ones go first (ggcr, c/image).
                    scopes = [...extra, ...scopes];
                    this.#tokens.delete(scopeKey(scopes));
                    // Re-send once with fresh credentials even when `retry` is false: every body here is
                    // replayable (bytes, or a factory opening a fresh stream), and a 401 means the registry
                    // refused the request without accepting its content. Before, a token that expired
                    // during a long transfer failed a monolithic blob PUT outright (RELIABILITY B6, T12).
                    continue;
                }
            }
            if (retry_js_1.RETRY_STATUS.has(res.status) && retryable && attempt + 1 < this.#retry.attempts) {
                const after = (0, retry_js_1.parseRetryAfter)(res.headers['retry-after']);
                if (after !== undefined && after > this.#retry.maxRetryAfterMs)
                    throw await this.#statusError(req, res, after);
                const wait = after ?? (0, retry_js_1.backoffDelay)(attempt, this.#retry);
                if (res.status === 429)
                    this.#notBefore = Date.now() + wait;
                await res.body.dump().catch(() => { });
                retries++;
                await this.#sleep(wait);
                continue;
            }
            // A 401 that still says insufficient_scope after a fresh token means the account may log in
            // but lacks the permission (distribution answers 401, not 403, here): report 'denied', whose
            // hint names the missing permission, instead of "refused the credentials".
            const denied = res.status === 401 &&
                authRetried &&
                (0, challenge_js_1.parseChallenges)(res.headers['www-authenticate'])[0]?.params.error === 'insufficient_scope';
            throw await this.#statusError(req, res, undefined, denied ? 'denied' : undefined);
        }
    }
    /** Per-method request counts since the transport was made. */
    counts() {
        return Object.fromEntries(this.requestCount);
    }
    async #sendFollowingRedirects(req, scopes) {
        let url = this.#url(req);
        let method = req.method;
        for (let hop = 0;; hop++) {
            const sameOrigin = url.origin === this.base.origin;
            const headers = {
                'user-agent': this.#userAgent,
                'accept-encoding': 'identity',
                ...req.headers,
            };
            // Credentials belong to the registry's origin only (RELIABILITY B1): never to a redirect target.
            if (sameOrigin) {
                const auth = await this.#authorization(scopes, req);
                if (auth)
                    headers.authorization = auth;
            }
            const body = hop === 0 || method === req.method ? await openBody(req.body) : undefined;
            this.requestCount.set(method, (this.requestCount.get(method) ?? 0) + 1);
            const r = await this.#agent.request({
                origin: url.origin,
                path: url.pathname + url.search,
                method,
                headers,
                body: body ?? null,
                // undici closes the connection after every HEAD (for servers that send a body anyway);
                // registries do not, and a no-op run is one HEAD per tag: keep the connection.
                ...(method === 'HEAD' ? { reset: false } : {}),
            });
            if (!REDIRECTS.has(r.statusCode) || !r.headers.location || req.expect.includes(r.statusCode)) {
                return { status: r.statusCode, headers: r.headers, body: r.body, url, retries: 0 };
            }
            await r.body.dump().catch(() => { });
            const next = this.#redirectTarget(url, String(r.headers.location), req);
            if (hop + 1 >= MAX_REDIRECTS)
                throw this.#refused(req, `more than ${MAX_REDIRECTS} redirects`);
            if (r.statusCode === 303)
                method = 'GET';
            url = next;
        }
    }
    #redirectTarget(from, location, req) {
        let next;
        try {
            next = new URL(location, from);
        }
        catch {
            throw this.#refused(req, `invalid redirect Location ${JSON.stringify(location.slice(0, 200))}`);
        }
        if (next.protocol !== 'https:' && next.protocol !== 'http:')
            throw this.#refused(req, `redirect to a ${next.protocol} URL`);
        if (from.protocol === 'https:' && next.protocol === 'http:')
            throw this.#refused(req, `redirect from https to http (${next.host}) refused`);
        if (next.username || next.password)
            throw this.#refused(req, 'redirect Location carries credentials');
        const internal = this.#internalTarget(next);
        if (internal)
            throw this.#refused(req, `redirect to ${internal} refused`);
        return next;
    }
    #url(req) {
        const url = /^https?:\/\//.test(req.path) ? new URL(req.path) : new URL(req.path, this.base);
        if (!/^https?:\/\//.test(req.path) && url.origin !== this.base.origin)
            throw new Error(`path ${req.path} leaves the registry`);
        for (const [k, v] of Object.entries(req.query ?? {})) {
            if (v === undefined)
                continue;
            for (const one of Array.isArray(v) ? v : [v])
                url.searchParams.append(k, one);
        }
        return url;
    }
    #basicValue() {
        const c = this.#credentials;
        return Buffer.from(`${c.username}:${c.password}`).toString('base64');
    }
    async #authorization(scopes, req) {
        const ch = this.#challenge;
        if (!ch)
            return undefined;
        if (ch.scheme === 'basic')
            return this.#credentials && 'password' in this.#credentials ? `Basic ${this.#basicValue()}` : undefined;
        if (ch.scheme !== 'bearer')
            return undefined;
        const key = scopeKey(scopes);
        let p = this.#tokens.get(key);
        if (p) {
            const t = await p.catch(() => undefined);
            if (!t || t.expiresAt <= Date.now())
                p = undefined;
        }
        if (!p) {
            p = this.#fetchToken(ch, scopes, req);
            this.#tokens.set(key, p);
            p.catch(() => this.#tokens.delete(key));
        }
        return `Bearer ${(await p).token}`;
    }
    /** Docker token protocol: https://distribution.github.io/distribution/spec/auth/token/ */
    async #fetchToken(ch, scopes, req) {
        const realm = this.#validateRealm(ch.params.realm, req);
        const c = this.#credentials;
        let r;
        if (c && 'identityToken' in c) {
            const form = new URLSearchParams({
                grant_type: 'refresh_token',
                refresh_token: c.identityToken,
                client_id: 'ferry',
            });
            if (ch.params.service)
                form.set('service', ch.params.service);
            if (scopes.length)
                form.set('scope', scopes.join(' '));
            r = await this.#agent.request({
                origin: realm.origin,
                path: realm.pathname + realm.search,
                method: 'POST',
                headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': this.#userAgent },
                body: form.toString(),
            });
        }
        else {
            const u = new URL(realm);
            if (ch.params.service)
                u.searchParams.set('service', ch.params.service);
            for (const s of scopes)
                u.searchParams.append('scope', s);
            const headers = { 'user-agent': this.#userAgent };
            if (c && 'password' in c)
                headers.authorization = `Basic ${this.#basicValue()}`;
            r = await this.#agent.request({ origin: u.origin, path: u.pathname + u.search, method: 'GET', headers });
        }
        const text = await readCapped(r.body, exports.TOKEN_BODY_CAP);
        if (r.statusCode !== 200) {
            const { codes, messages } = (0, errors_js_1.parseErrorBody)(text);
            throw new errors_js_1.RegistryError({
                kind: r.statusCode === 401 ? 'unauthorized' : r.statusCode === 403 ? 'denied' : (0, errors_js_1.kindFor)(r.statusCode, codes),
                registry: this.registry,
                repository: req.repository,
                operation: `${req.operation}: token request to ${realm.host}`,
                status: r.statusCode,
                codes,
                detail: (0, secrets_js_1.redact)(messages[0] ?? 'token request failed'),
            });
        }
        let doc;
        try {
            doc = JSON.parse(text);
        }
        catch {
            throw new errors_js_1.RegistryError({
                kind: 'invalid',
                registry: this.registry,
                operation: 'token request',
                detail: 'token response is not JSON',
            });
        }
        const token = doc.token ?? doc.access_token;
        if (!token)
            throw new errors_js_1.RegistryError({
                kind: 'invalid',
                registry: this.registry,
                operation: 'token request',
                detail: 'token response has no token',
            });
        (0, secrets_js_1.registerSecret)(token);
        const issued = doc.issued_at ? Date.parse(doc.issued_at) : Date.now();
        const lifetime = Math.max(60, doc.expires_in ?? 60) * 1000;
        // Refresh a little early so long uploads do not run into expiry (Docker Hub: 300 s).
        return { token, expiresAt: (Number.isNaN(issued) ? Date.now() : Math.min(issued, Date.now())) + lifetime - 10_000 };
    }
    /** The realm is chosen by the server: credentials go there only if it is https (or the registry's own plain-http host). */
    #validateRealm(realm, req) {
        if (!realm)
            throw this.#refused(req, 'bearer challenge without realm');
        let u;
        try {
            u = new URL(realm);
        }
        catch {
            throw this.#refused(req, `invalid token realm ${JSON.stringify(realm.slice(0, 200))}`);
        }
        if (u.username || u.password)
            throw this.#refused(req, 'token realm carries credentials');
        // http only for a plain-http registry: the loopback exception let an https registry send
        // credentials in clear to any local port (RELIABILITY B3).
        if (u.protocol !== 'https:' && !(u.protocol === 'http:' && this.base.protocol === 'http:'))
            throw this.#refused(req, `token realm ${u.protocol}//${u.host} refused: credentials are only sent to an https realm`);
        const internal = this.#internalTarget(u);
        if (internal)
            throw this.#refused(req, `token realm on ${internal} refused: credentials are not sent there`);
        return u;
    }
    /**
     * Why `target` may not be contacted on a registry's say-so (a redirect or a realm), or undefined.
     * Loopback, private, link-local and unspecified IP literals are refused unless they are the
     * registry's own host, or the registry itself lives on a loopback (for loopback targets) or
     * private network (RELIABILITY B2, B3). DNS names are not resolved here.
     */
    #internalTarget(target) {
        const t = addressClass(target.hostname);
        if (t === 'public' || t === 'name')
            return undefined;
        if (target.hostname === this.base.hostname)
            return undefined;
        const b = addressClass(this.base.hostname);
        if (t === 'loopback' && b === 'loopback')
            return undefined;
        if (t === 'private' && (b === 'private' || b === 'loopback'))
            return undefined;
        return `the ${t} address ${target.hostname}`;
    }
    #refused(req, detail) {
        return new errors_js_1.RegistryError({
            kind: 'redirect-refused',
            registry: this.registry,
            repository: req.repository,
            operation: req.operation,
            method: req.method,
            detail,
        });
    }
    #networkError(req, e) {
        const code = findCode(e);
        // OpenSSL verification codes: the untrusted-CA case is UNABLE_TO_VERIFY_LEAF_SIGNATURE (or
        // UNABLE_TO_GET_ISSUER_CERT_LOCALLY), which the first pattern missed: it was reported as 'network'.
        const tls = code !== undefined &&
            /CERT|SSL|TLS|SELF_SIGNED|EPROTO|ALTNAME|UNABLE_TO_|INVALID_CA|INVALID_PURPOSE|PATH_LENGTH|HOSTNAME_MISMATCH/.test(code);
        const plainHttp = code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /wrong version number/i.test(String(e?.message));
        return new errors_js_1.RegistryError({
            kind: tls || plainHttp ? 'tls' : 'network',
            registry: this.registry,
            repository: req.repository,
            operation: req.operation,
            method: req.method,
            detail: (0, secrets_js_1.redact)(`${code ? `${code}: ` : ''}${e?.message ?? String(e)}`),
            hint: plainHttp
                ? `${this.registry} answered plain HTTP on an https:// URL: if it is an insecure registry, use an http:// url`
                : undefined,
            temporary: !tls && (0, retry_js_1.isTransientNetworkError)(e),
            cause: e,
        });
    }
    async #statusError(req, res, retryAfterMs, kindOverride) {
        const text = req.method === 'HEAD' ? '' : await readCapped(res.body, exports.ERROR_BODY_CAP).catch(() => '');
        if (req.method === 'HEAD')
            await res.body.dump().catch(() => { });
        const { codes, messages } = (0, errors_js_1.parseErrorBody)(text);
        const kind = kindOverride ?? (0, errors_js_1.kindFor)(res.status, codes);
        let hint;
        if (kind === 'rate-limited') {
            const after = retryAfterMs ?? (0, retry_js_1.parseRetryAfter)(res.headers['retry-after']);
            const remaining = res.headers['ratelimit-remaining'];
            hint = `rate limited by ${this.registry}${after !== undefined ? `; it asks to retry after ${Math.ceil(after / 1000)} s (at ${new Date(Date.now() + after).toISOString()})` : ''}${remaining ? `; ratelimit-remaining: ${remaining}` : ''}. Lower concurrency, authenticate, or run later.`;
        }
        return new errors_js_1.RegistryError({
            kind,
            registry: this.registry,
            repository: req.repository,
            operation: req.operation,
            method: req.method,
            url: `${res.url.origin}${res.url.pathname}`,
            status: res.status,
            codes,
            detail: (0, secrets_js_1.redact)(messages.join('; ') || `unexpected HTTP ${res.status} (expected ${req.expect.join(' or ')})`),
            ...(hint ? { hint } : {}),
            temporary: retry_js_1.RETRY_STATUS.has(res.status),
        });
    }
}
exports.Transport = Transport;
function scopeKey(scopes) {
    return [...new Set(scopes)].sort().join(' ');
}
async function openBody(body) {
    if (body === undefined || body instanceof Uint8Array)
        return body;
    return await body();
}
function findCode(e) {
    let cur = e;
    for (let i = 0; cur && i < 5; i++) {
        const code = cur.code;
        if (typeof code === 'string' && code !== 'UND_ERR_SOCKET')
            return code;
        cur = cur.cause;
    }
    return e?.code;
}
/** Classifies a URL hostname: an IP literal by range, `localhost` as loopback, any other name as 'name'. */
function addressClass(hostname) {
    const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
    if (h === 'localhost' || h.endsWith('.localhost'))
        return 'loopback';
    const v = (0, node_net_1.isIP)(h);
    if (v === 4)
        return ipv4Class(h);
    if (v !== 6)
        return 'name';
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
    if (mapped?.[1])
        return ipv4Class(mapped[1]);
    if (h === '::1')
        return 'loopback';
    if (h === '::')
        return 'unspecified';
    if (/^fe[89ab]/.test(h))
        return 'link-local';
    if (/^f[cd]/.test(h))
        return 'private';
    return 'public';
}
function ipv4Class(ip) {
    const [a = 0, b = 0] = ip.split('.').map(Number);
    if (a === 127)
        return 'loopback';
    if (a === 0)
        return 'unspecified';
    if (a === 169 && b === 254)
        return 'link-local';
    if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127))
        return 'private';
    return 'public';
}
function isLoopback(hostname) {
    const h = hostname.replace(/^\[|\]$/g, '');
    return h === 'localhost' || h === '::1' || /^127\./.test(h);
}
/** Reads at most `cap` bytes of a body as UTF-8; throws when it is longer (memory-exhaustion guard). */
async function readCapped(body, cap) {
    return Buffer.from(await readCappedBytes(body, cap)).toString('utf8');
}
async function readCappedBytes(body, cap) {
    const parts = [];
    let n = 0;
    for await (const chunk of body) {
        n += chunk.length;
        if (n > cap) {
            body.destroy?.();
            throw Object.assign(new Error(`response body exceeds ${cap} bytes`), { code: 'FERRY_BODY_TOO_LARGE' });
        }
        parts.push(Buffer.from(chunk));
    }
    return Buffer.concat(parts);
}


/***/ }),

/***/ 1521:
/***/ ((__unused_webpack_module, exports) => {


/** Retry policy: which failures are transient and how long to wait. */
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.RETRY_STATUS = exports.DEFAULT_RETRY = void 0;
exports.isTransientNetworkError = isTransientNetworkError;
exports.parseRetryAfter = parseRetryAfter;
exports.backoffDelay = backoffDelay;
exports.DEFAULT_RETRY = {
    attempts: 5,
    baseDelayMs: 1000,
    maxDelayMs: 30_000,
    maxRetryAfterMs: 300_000,
};
/** Statuses worth retrying (as go-containerregistry and regclient do). Never 4xx other than 408/429. */
exports.RETRY_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const TRANSIENT_CODES = new Set([
    'ECONNRESET',
    'ECONNREFUSED',
    'EPIPE',
    'ETIMEDOUT',
    'EAI_AGAIN',
    'ENETUNREACH',
    'EHOSTUNREACH',
    'UND_ERR_SOCKET',
    'UND_ERR_CONNECT_TIMEOUT',
    'UND_ERR_HEADERS_TIMEOUT',
    'UND_ERR_BODY_TIMEOUT',
    'UND_ERR_CLOSED',
    'UND_ERR_REQ_RETRY',
]);
/** True for network-level failures that a new attempt may not hit. */
function isTransientNetworkError(e) {
    let cur = e;
    for (let depth = 0; cur && depth < 5; depth++) {
        const code = cur.code;
        if (code && TRANSIENT_CODES.has(code))
            return true;
        if (cur instanceof Error && /other side closed|socket hang up|terminated/i.test(cur.message))
            return true;
        cur = cur.cause;
    }
    return false;
}
/** IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`), asctime (`Sun Nov  6 08:49:37 1994`). */
const HTTP_DATE_RE = /^(?:[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT|[A-Z][a-z]+, \d{2}-[A-Z][a-z]{2}-\d{2} \d{2}:\d{2}:\d{2} GMT|[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4})$/;
/** Parses Retry-After as delta-seconds or an HTTP-date; returns milliseconds from `now`, or undefined. */
function parseRetryAfter(value, now = Date.now()) {
    const v = Array.isArray(value) ? value[0] : value;
    if (!v)
        return undefined;
    const t = v.trim();
    if (/^\d+$/.test(t))
        return Number(t) * 1000;
    // Only the three HTTP-date forms (RFC 9110 §5.6.7): Date.parse alone takes "1.5", "-1" or
    // "abc 1" as dates in the past, which made garbage mean "retry at once".
    if (!HTTP_DATE_RE.test(t))
        return undefined;
    const at = Date.parse(t);
    if (Number.isNaN(at))
        return undefined;
    return Math.max(0, at - now);
}
/** Exponential backoff with full jitter: random in [0, min(max, base·2^attempt)]. */
function backoffDelay(attempt, o, random = Math.random) {
    const cap = Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** attempt);
    return Math.round(cap / 2 + (random() * cap) / 2);
}


/***/ }),

/***/ 8566:
/***/ ((__unused_webpack_module, exports, __webpack_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.Bandwidth = void 0;
/** A shared byte budget (token bucket) so all transfers of a rule together stay under `bandwidth:`. */
const node_stream_1 = __webpack_require__(7075);
const promises_1 = __webpack_require__(8500);
class Bandwidth {
    #rate;
    #available;
    #last = Date.now();
    #queue = Promise.resolve();
    constructor(bytesPerSecond) {
        this.#rate = bytesPerSecond;
        this.#available = bytesPerSecond / 4;
    }
    /** Resolves when `n` bytes may be sent. Waiters are served in order. */
    take(n) {
        const turn = this.#queue.then(async () => {
            for (;;) {
                const now = Date.now();
                this.#available = Math.min(this.#rate, this.#available + ((now - this.#last) * this.#rate) / 1000);
                this.#last = now;
                if (this.#available >= n || this.#available >= this.#rate) {
                    this.#available -= n;
                    return;
                }
                await (0, promises_1.setTimeout)(Math.ceil(((n - this.#available) * 1000) / this.#rate));
            }
        });
        this.#queue = turn;
        return turn;
    }
    /** A pass-through stream that spends this budget. */
    stream() {
        return new node_stream_1.Transform({
            transform: (chunk, _e, cb) => {
                this.take(chunk.length).then(() => cb(null, chunk), cb);
            },
        });
    }
}
exports.Bandwidth = Bandwidth;


/***/ }),

/***/ 7562:
/***/ ((__unused_webpack_module, exports, __webpack_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.BlobMover = exports.emptyStats = void 0;
exports.copyArtifact = copyArtifact;
/**
 * Copies one artifact graph from a source store to a destination store:
 * blobs (skip present, mount within a registry, else stream with verification), then child
 * manifests by digest, then the tagged manifest; referrers after their subject.
 * Manifest bytes are copied exactly; a tag is written only after everything it points to.
 */
const node_stream_1 = __webpack_require__(7075);
const digest_js_1 = __webpack_require__(8825);
const manifest_js_1 = __webpack_require__(2060);
const errors_js_1 = __webpack_require__(6764);
const emptyStats = () => ({ bytes: 0, copied: 0, mounted: 0, present: 0, retries: 0 });
exports.emptyStats = emptyStats;
/**
 * Moves blobs once per destination repository: concurrent requests for the same blob share one
 * transfer, and a blob known in another repository of the same registry is mounted.
 */
class BlobMover {
    #inflight = new Map();
    /** mountDomain → digest → repositories known to hold it. */
    #known = new Map();
    #limit;
    constructor(limit) {
        this.#limit = limit;
    }
    async ensure(src, dst, desc, stats, o) {
        const key = `${dst.store.mountDomain ?? dst.store.name}|${dst.repository}|${desc.digest}`;
        let p = this.#inflight.get(key);
        const mine = !p;
        if (!p) {
            p = this.#limit(() => this.#transfer(src, dst, desc, stats, o));
            this.#inflight.set(key, p);
            p.catch(() => this.#inflight.delete(key));
        }
        const how = await p;
        if (!mine)
            stats.present++;
        else if (how === 'present')
            stats.present++;
        else if (how === 'mounted')
            stats.mounted++;
        else
            stats.copied++;
    }
    #remember(dst, digest) {
        const domain = dst.store.mountDomain;
        if (!domain)
            return;
        let byDigest = this.#known.get(domain);
        if (!byDigest)
            this.#known.set(domain, (byDigest = new Map()));
        let repos = byDigest.get(digest);
        if (!repos)
            byDigest.set(digest, (repos = new Set()));
        repos.add(dst.repository);
    }
    async #transfer(src, dst, desc, stats, o) {
        if (await dst.store.blobHead(dst.repository, desc.digest)) {
            this.#remember(dst, desc.digest);
            return 'present';
        }
        const domain = dst.store.mountDomain;
        const holders = domain ? this.#known.get(domain)?.get(desc.digest) : undefined;
        // Same registry, another repository: ask for a mount (source repo on the same registry counts too).
        const from = [...(holders ?? [])].find((r) => r !== dst.repository) ??
            (src.store.mountDomain && src.store.mountDomain === domain && src.repository !== dst.repository
                ? src.repository
                : undefined);
        if (from && (await dst.store.blobMount(dst.repository, desc.digest, from).catch(() => false))) {
            this.#remember(dst, desc.digest);
            return 'mounted';
        }
        let sent = 0;
        const open = async () => {
            sent = 0;
            // Fixed: a 'data' listener here switched the stream to flowing mode before the uploader
            // read it, so bytes were lost (undici then sent Content-Length 0 → DIGEST_INVALID), and
            // `.pipe()` into the bandwidth stream dropped the source's errors (a digest mismatch hung
            // the upload). Progress is counted in a Transform, and pipeline() carries errors through.
            const stages = [];
            if (o.bandwidth)
                stages.push(o.bandwidth.stream());
            const counter = new node_stream_1.Transform({
                transform(c, _e, cb) {
                    sent += c.length;
                    o.onBlobProgress?.({ digest: desc.digest, bytes: sent, total: desc.size });
                    cb(null, c);
                },
            });
            (0, node_stream_1.pipeline)([await src.store.blobGet(src.repository, desc), ...stages, counter], () => { });
            return counter;
        };
        const r = await dst.store.blobPut(dst.repository, desc, open);
        stats.retries += r.retries;
        stats.bytes += desc.size;
        this.#remember(dst, desc.digest);
        return r.via === 'mounted' ? 'mounted' : 'copied';
    }
}
exports.BlobMover = BlobMover;
/** Copies the artifact `digest` from `src` and tags it `tag` at `dst` (no tag: by digest only). */
async function copyArtifact(mover, manifests, src, dst, digest, tag, stats, o) {
    const m = await mustGet(src, digest);
    let bytes = m.bytes;
    let note;
    if (m.parsed.kind === 'index') {
        let children = m.parsed.manifests;
        if (o.platforms.length) {
            children = children.filter((c) => !c.platform ||
                o.platforms.includes((0, manifest_js_1.platformString)(c.platform)) ||
                o.platforms.includes(`${c.platform.os}/${c.platform.architecture}`));
            if (children.length === 0)
                throw new Error(`none of the platforms ${o.platforms.join(', ')} is in ${digest}`);
            if (children.length !== m.parsed.manifests.length) {
                bytes = subsetIndex(m.bytes, children);
                note = `platform subset (${children.map((c) => (0, manifest_js_1.platformString)(c.platform)).join(', ')}): new index ${(0, digest_js_1.sha256)(bytes)}, the source index is ${digest}`;
            }
        }
        await Promise.all(children.map((c) => manifests(() => copyChild(mover, src, dst, c, stats, o))));
    }
    else {
        await copyBlobs(mover, src, dst, m.parsed, stats, o);
    }
    const written = await dst.store.manifestPut(dst.repository, tag ?? digest, bytes, m.mediaType);
    if (tag) {
        // Confirm what the tag now points at (a registry may accept and store something else).
        const head = await dst.store.manifestHead(dst.repository, tag);
        if (!head || head.digest !== written)
            throw new errors_js_1.RegistryError({
                kind: 'digest-mismatch',
                registry: dst.store.display,
                repository: dst.repository,
                operation: 'verifying tag',
                detail: `tag ${tag} points at ${head?.digest ?? 'nothing'} after writing ${written}`,
            });
    }
    if (o.referrers)
        await copyReferrers(mover, manifests, src, dst, digest, stats, o);
    return { digest: written, ...(note ? { note } : {}) };
}
async function mustGet(side, digest) {
    const m = await side.store.manifestGet(side.repository, digest);
    if (!m)
        throw new errors_js_1.RegistryError({
            kind: 'not-found',
            registry: side.store.display,
            repository: side.repository,
            operation: 'fetching manifest of',
            detail: `manifest ${digest} disappeared from the source`,
        });
    return m;
}
/** A platform manifest of an index: written by digest, skipped when the destination has it. */
async function copyChild(mover, src, dst, desc, stats, o) {
    if (await dst.store.manifestHead(dst.repository, desc.digest))
        return;
    const m = await mustGet(src, desc.digest);
    if (m.parsed.kind === 'index') {
        for (const c of m.parsed.manifests)
            await copyChild(mover, src, dst, c, stats, o);
    }
    else {
        await copyBlobs(mover, src, dst, m.parsed, stats, o);
    }
    await dst.store.manifestPut(dst.repository, desc.digest, m.bytes, m.mediaType);
}
async function copyBlobs(mover, src, dst, m, stats, o) {
    const blobs = (0, manifest_js_1.blobsOf)(m).filter((b) => !b.urls?.length); // foreign layers stay where they are (RELIABILITY B4)
    await Promise.all(blobs.map((b) => mover.ensure(src, dst, b, stats, o)));
}
/** Referrers (signatures, SBOMs) after their subject; the tag-schema fallback index is copied as it is. */
async function copyReferrers(mover, manifests, src, dst, subject, stats, o) {
    const { descriptors, fallbackTag } = await src.store.referrers(src.repository, subject, o.sourceTags ? { tags: o.sourceTags } : {});
    if (descriptors.length === 0)
        return;
    for (const d of descriptors) {
        if (await dst.store.manifestHead(dst.repository, d.digest))
            continue;
        await copyArtifact(mover, manifests, src, dst, d.digest, undefined, stats, { ...o, platforms: [] });
    }
    if (fallbackTag) {
        const srcFallback = await src.store.manifestHead(src.repository, fallbackTag);
        if (srcFallback) {
            const dstFallback = await dst.store.manifestHead(dst.repository, fallbackTag);
            if (dstFallback?.digest !== srcFallback.digest) {
                const f = await mustGet(src, srcFallback.digest);
                await dst.store.manifestPut(dst.repository, fallbackTag, f.bytes, f.mediaType);
            }
        }
    }
}
/** A new index holding only `children`, keeping every other field of the source document. */
function subsetIndex(bytes, children) {
    const doc = JSON.parse(bytes.toString('utf8'));
    const keep = new Set(children.map((c) => c.digest));
    doc.manifests = doc.manifests.filter((m) => keep.has(m.digest));
    return Buffer.from(JSON.stringify(doc));
}


/***/ }),

/***/ 2745:
/***/ (function(__unused_webpack_module, exports, __webpack_require__) {


var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.runRule = runRule;
exports.toResultError = toResultError;
/**
 * One rule, end to end: list source repositories and tags, filter, map names, list the
 * destination, plan, then (unless dry run) copy, update and delete, one Result per tag.
 * A no-op run costs one tag list per repository and one HEAD per tag on each side.
 */
const p_limit_1 = __importDefault(__webpack_require__(370));
const digest_js_1 = __webpack_require__(8825);
const filter_js_1 = __webpack_require__(6825);
const index_js_1 = __webpack_require__(5755);
const plan_js_1 = __webpack_require__(8720);
const errors_js_1 = __webpack_require__(6764);
const console_js_1 = __webpack_require__(9475);
const secrets_js_1 = __webpack_require__(4537);
const bandwidth_js_1 = __webpack_require__(8566);
const copy_js_1 = __webpack_require__(7562);
async function runRule(rule, src, dst, o) {
    const ruleErrors = [];
    const fail = (message, e) => ruleErrors.push({
        rule: rule.name,
        message: (0, secrets_js_1.redact)(e ? `${message}: ${e.message}` : message),
        ...(hintOf(e) ? { hint: hintOf(e) } : {}),
    });
    const heads = (0, p_limit_1.default)(Math.max(4, o.concurrency * 2));
    let repositories;
    try {
        const nameOk = (0, index_js_1.compileNameFilter)(rule.filters.name);
        repositories = (await src.listRepositories()).filter((r) => nameOk(r) && (o.select?.(r) ?? true));
    }
    catch (e) {
        fail(`listing repositories of ${src.display}`, e);
        return {
            plan: { rule: rule.name, items: [], warnings: [], deletionsRefused: 'the source could not be listed' },
            results: [],
            ruleErrors,
        };
    }
    const scope = (0, index_js_1.compileTagScope)(rule.filters);
    const tagSets = new Map(); // source repository → every tag it has
    const inputs = [];
    await Promise.all(repositories.map(async (repo) => {
        let dstRepo;
        try {
            dstRepo = (0, index_js_1.mapRepository)(repo, {
                ...(rule.destinationNamespace ? { namespace: rule.destinationNamespace } : {}),
                flattening: rule.flattening,
                requireTwoComponents: dst.requireTwoComponents ?? false,
            });
        }
        catch (e) {
            fail(`mapping ${repo}`, e);
            return;
        }
        const input = {
            sourceRepository: repo,
            destinationRepository: dstRepo,
            source: new Map(),
            destination: new Map(),
        };
        try {
            // Providers with labels (Harbor) list tags with them, so label filters apply while listing.
            const infos = src.listTagDetails
                ? await src.listTagDetails(repo)
                : (await src.listTags(repo)).map((tag) => ({ tag }));
            tagSets.set(repo, new Set(infos.map((t) => t.tag)));
            let tags = (0, index_js_1.selectTags)(infos, rule.filters).map((t) => t.tag);
            if (o.tags)
                tags = tags.filter((t) => o.tags?.includes(t));
            await Promise.all(tags.map((tag) => heads(async () => {
                const h = await src.manifestHead(repo, tag);
                if (h)
                    input.source.set(tag, h.digest);
            })));
        }
        catch (e) {
            fail(`listing ${src.display}/${repo}`, e);
            input.sourceListingFailed = true;
        }
        try {
            // A plan says "project/namespace missing" up front; read-only checks only.
            if (o.dryRun)
                await dst.prepareDestination?.(dstRepo, { dryRun: true });
            const dstTags = await dst.listTags(dstRepo);
            const wanted = dstTags.filter((t) => input.source.has(t) || (rule.deleteRemote.enabled && !o.tags && scope(t)));
            await headInto(dst, dstRepo, wanted, input.destination, heads);
            // Deleting by digest needs every destination tag's digest, to spare tags sharing it.
            if (rule.deleteRemote.enabled && !dst.deletesByTag && wanted.some((t) => !input.source.has(t)))
                await headInto(dst, dstRepo, dstTags.filter((t) => !input.destination.has(t)), input.destination, heads);
        }
        catch (e) {
            fail(`listing ${dst.display}/${dstRepo}`, e);
            input.sourceListingFailed = true; // no deletions where we could not see the destination
            for (const [tag, digest] of input.source)
                input.destination.set(tag, `unknown:${digest}`);
            return;
        }
        inputs.push(input);
    }));
    const plan = (0, plan_js_1.planRule)(rule, inputs.sort((a, b) => a.destinationRepository.localeCompare(b.destinationRepository)));
    if (ruleErrors.length && !plan.deletionsRefused && plan.items.some((i) => i.action === 'delete'))
        plan.deletionsRefused = 'a listing in this rule failed';
    const results = await execute(rule, plan, withManifestCache(src), dst, { ...o, tagSets }, ruleErrors.length > 0);
    // The planner drops the deletions it refuses as a whole (over delete_remote.max, match-all not
    // acknowledged) and only sets deletionsRefused: without this the run report said nothing about
    // them. RunReport.ruleErrors is where rule-level refusals belong (see report/result.ts).
    if (plan.deletionsRefused && !plan.items.some((i) => i.action === 'delete'))
        ruleErrors.push({ rule: rule.name, message: (0, secrets_js_1.redact)(plan.deletionsRefused) });
    return { plan, results, ruleErrors };
}
async function headInto(store, repo, tags, into, limit) {
    await Promise.all(tags.map((tag) => limit(async () => {
        const h = await store.manifestHead(repo, tag);
        if (h)
            into.set(tag, h.digest);
    })));
}
async function execute(rule, plan, src, dst, o, hadErrors) {
    const images = (0, p_limit_1.default)(o.concurrency);
    const manifests = (0, p_limit_1.default)(Math.max(2, o.concurrency));
    const mover = o.mover ?? new copy_js_1.BlobMover((0, p_limit_1.default)(o.blobConcurrency));
    const bandwidth = rule.bandwidth ? new bandwidth_js_1.Bandwidth(rule.bandwidth) : undefined;
    const log = o.log ?? (() => { });
    const ref = (store, repo, tag) => `${store.display}/${repo}:${tag}`;
    const base = (i) => ({
        rule: rule.name,
        ...(i.sourceRepository ? { source: ref(src, i.sourceRepository, i.tag) } : {}),
        destination: ref(dst, i.destinationRepository, i.tag),
        tag: i.tag,
        status: 'unchanged',
        ...(i.sourceDigest ? { sourceDigest: i.sourceDigest } : {}),
        ...(i.destinationDigest && !i.destinationDigest.startsWith('unknown:')
            ? { destinationDigest: i.destinationDigest }
            : {}),
        bytes: 0,
        blobs: { copied: 0, mounted: 0, present: 0 },
        durationMs: 0,
        retries: 0,
        ...(i.reason ? { reason: i.reason } : {}),
    });
    const writes = plan.items.filter((i) => i.action === 'copy' || i.action === 'update');
    const results = plan.items
        .filter((i) => i.action === 'unchanged' || i.action === 'kept')
        .map((i) => ({ ...base(i), status: i.action }));
    if (o.dryRun) {
        for (const i of plan.items) {
            if (i.action === 'copy')
                results.push({ ...base(i), status: 'would-copy' });
            if (i.action === 'update')
                results.push({ ...base(i), status: 'would-update' });
            if (i.action === 'delete')
                results.push(plan.deletionsRefused
                    ? { ...base(i), status: 'skipped', reason: `deletion refused: ${plan.deletionsRefused}` }
                    : { ...base(i), status: 'would-delete' });
        }
        return results;
    }
    const copied = await Promise.all(writes.map((i) => images(async () => {
        const started = Date.now();
        const stats = (0, copy_js_1.emptyStats)();
        const r = base(i);
        log(`→ ${i.action} ${r.source} → ${r.destination}`);
        try {
            if (i.destinationDigest?.startsWith('unknown:'))
                throw new Error('the destination could not be listed');
            const srcDigest = i.sourceDigest;
            const refusal = await filterRefusal(rule, src, i.sourceRepository, srcDigest);
            if (refusal)
                return { ...r, status: 'skipped', reason: refusal, durationMs: Date.now() - started };
            // Namespace/project must exist (Harbor, ACR, ECR...): checked once, before any byte moves.
            await dst.prepareDestination?.(i.destinationRepository);
            const out = await (0, copy_js_1.copyArtifact)(mover, manifests, { store: src, repository: i.sourceRepository }, { store: dst, repository: i.destinationRepository }, srcDigest, i.tag, stats, {
                platforms: rule.platforms,
                referrers: rule.referrers,
                ...(bandwidth ? { bandwidth } : {}),
                onBlobProgress: progress(r.destination, log),
                ...(o.tagSets.has(i.sourceRepository) ? { sourceTags: o.tagSets.get(i.sourceRepository) } : {}),
            });
            return {
                ...r,
                status: i.action === 'copy' ? 'copied' : 'updated',
                destinationDigest: out.digest,
                ...(out.note ? { reason: out.note } : {}),
                bytes: stats.bytes,
                blobs: { copied: stats.copied, mounted: stats.mounted, present: stats.present },
                retries: stats.retries,
                durationMs: Date.now() - started,
            };
        }
        catch (e) {
            // A pull quota about to run out (Docker Hub): left for the next run, not a failure.
            const status = e.deferred === true ? 'deferred' : 'failed';
            return {
                ...r,
                status,
                error: toResultError(e),
                bytes: stats.bytes,
                retries: stats.retries,
                durationMs: Date.now() - started,
            };
        }
    })));
    results.push(...copied);
    const failed = hadErrors || copied.some((r) => r.status === 'failed');
    for (const i of plan.items.filter((x) => x.action === 'delete')) {
        const r = base(i);
        const started = Date.now();
        const refused = plan.deletionsRefused ??
            (failed ? 'something else in this rule failed (nothing is deleted after a failure)' : undefined);
        if (refused) {
            results.push({ ...r, status: 'skipped', reason: `deletion refused: ${refused}` });
            continue;
        }
        try {
            // Compare, then delete: the tag must still point where the plan saw it.
            const now = await dst.manifestHead(i.destinationRepository, i.tag);
            if (!now) {
                results.push({ ...r, status: 'unchanged', reason: 'already gone' });
                continue;
            }
            if (now.digest !== i.destinationDigest) {
                results.push({ ...r, status: 'skipped', reason: `tag moved to ${now.digest} since the plan; not deleted` });
                continue;
            }
            if (i.sharedWithKept?.length && !dst.deletesByTag) {
                results.push({
                    ...r,
                    status: 'skipped',
                    reason: `cannot delete ${i.tag} without deleting kept tag${i.sharedWithKept.length > 1 ? 's' : ''} ${i.sharedWithKept.join(', ')} (same digest; this registry deletes by digest)`,
                });
                continue;
            }
            await dst.deleteTag(i.destinationRepository, i.tag, now.digest);
            log(`✖ deleted ${r.destination}`);
            results.push({ ...r, status: 'deleted', durationMs: Date.now() - started });
        }
        catch (e) {
            results.push({ ...r, status: 'failed', error: toResultError(e), durationMs: Date.now() - started });
        }
    }
    return results;
}
/** Resource and label filters need the manifest: checked only for tags about to be written. */
async function filterRefusal(rule, src, repo, digest) {
    const { resource, labels } = rule.filters;
    // Labels were already applied while listing when the provider knows them (Harbor).
    const checkLabels = Object.keys(labels).length > 0 && !src.listTagDetails;
    if (resource === 'all' && !checkLabels)
        return undefined;
    const m = await src.manifestGet(repo, digest);
    if (!m)
        return undefined;
    if (resource !== 'all') {
        let configType = m.parsed.config?.mediaType;
        if (m.parsed.kind === 'index' && m.parsed.manifests[0]) {
            const child = await src.manifestGet(repo, m.parsed.manifests[0].digest);
            configType = child?.parsed.config?.mediaType;
        }
        const image = (0, filter_js_1.isImage)(configType, m.parsed.kind === 'index' ? undefined : m.mediaType) && !m.parsed.artifactType;
        if (resource === 'image' && !image)
            return `not an image (config ${configType ?? 'none'}); the rule copies images only`;
        if (resource === 'artifact' && image)
            return 'an image; the rule copies non-image artifacts only';
    }
    if (checkLabels && !(0, index_js_1.matchLabels)(labels, m.parsed.annotations))
        return `does not carry the labels ${Object.entries(labels)
            .map(([k, v]) => `${k}=${v}`)
            .join(', ')}`;
    return undefined;
}
function hintOf(e) {
    return e instanceof errors_js_1.RegistryError ? e.hint : undefined;
}
function toResultError(e) {
    if (e instanceof errors_js_1.RegistryError)
        return {
            kind: e.kind,
            message: (0, secrets_js_1.redact)(e.message),
            ...(e.hint ? { hint: e.hint } : {}),
            ...(e.status ? { status: e.status } : {}),
            ...(e.codes.length ? { codes: e.codes } : {}),
        };
    return {
        kind: e?.name === 'InvalidManifestError' ? 'invalid' : 'internal',
        message: (0, secrets_js_1.redact)(e?.message ?? String(e)),
    };
}
/**
 * The source store with manifests fetched by digest remembered for the rule: the resource filter,
 * the copy and the platform children then read each manifest once.
 */
function withManifestCache(store) {
    const cache = new Map();
    return new Proxy(store, {
        get(target, prop) {
            if (prop !== 'manifestGet') {
                const v = Reflect.get(target, prop);
                return typeof v === 'function' ? v.bind(target) : v;
            }
            return (repository, reference) => {
                if (!reference.includes(':'))
                    return target.manifestGet(repository, reference);
                const key = `${repository}@${reference}`;
                let p = cache.get(key);
                if (!p) {
                    p = target.manifestGet(repository, reference);
                    cache.set(key, p);
                    p.catch(() => cache.delete(key));
                }
                return p;
            };
        },
    });
}
/** Logs long blob transfers every 10 s (bytes and rate), one line each: readable in a CI log. */
function progress(ref, log) {
    const started = new Map();
    return ({ digest, bytes, total }) => {
        const now = Date.now();
        let s = started.get(digest);
        if (!s)
            started.set(digest, (s = { at: now, last: now }));
        if (now - s.last < 10_000 || bytes >= total)
            return;
        s.last = now;
        log(`  … ${(0, console_js_1.formatProgress)({ ref: `${ref} ${(0, digest_js_1.shortDigest)(digest)}`, bytes, total, elapsedMs: now - s.at })}`);
    };
}


/***/ }),

/***/ 9310:
/***/ (function(__unused_webpack_module, exports, __webpack_require__) {


var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.selectRules = selectRules;
exports.runConfig = runConfig;
/** Runs the selected rules of a config: opens stores once, runs each rule, builds the report. */
const p_limit_1 = __importDefault(__webpack_require__(370));
const index_js_1 = __webpack_require__(7486);
const json_js_1 = __webpack_require__(2794);
const secrets_js_1 = __webpack_require__(4537);
const version_js_1 = __webpack_require__(311);
const copy_js_1 = __webpack_require__(7562);
const rule_js_1 = __webpack_require__(2745);
/** Picks the rules to run: named ones (unknown names are an error), else all enabled ones. */
function selectRules(config, names) {
    if (!names?.length)
        return config.rules.filter((r) => r.enabled);
    const unknown = names.filter((n) => !config.rules.some((r) => r.name === n));
    if (unknown.length)
        throw new Error(`unknown rule${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; the file defines: ${config.rules.map((r) => r.name).join(', ')}`);
    return config.rules.filter((r) => names.includes(r.name));
}
async function runConfig(config, o) {
    const startedAt = new Date();
    const rules = selectRules(config, o.rules);
    const stores = new Map();
    const open = (name) => {
        let s = stores.get(name);
        if (!s) {
            const reg = config.registries.get(name);
            if (!reg)
                throw new Error(`registry ${name} is not defined`);
            s = (0, index_js_1.openStore)(reg, { baseDir: (0, index_js_1.configDir)(config.file), anonymous: o.anonymousRegistries?.has(name) ?? false });
            stores.set(name, s);
        }
        return s;
    };
    const concurrency = o.concurrency ?? 4;
    const mover = new copy_js_1.BlobMover((0, p_limit_1.default)(o.blobConcurrency ?? Math.max(4, concurrency * 2)));
    const results = [];
    const ruleErrors = [];
    const plan = { dryRun: o.dryRun, rules: [] };
    const requests = {};
    const warned = new Set();
    try {
        for (const rule of rules) {
            o.log?.(`rule ${rule.name}: ${rule.source} → ${rule.destination}${o.dryRun ? ' (dry run)' : ''}`);
            let src;
            let dst;
            try {
                [src, dst] = await Promise.all([open(rule.source), open(rule.destination)]);
                for (const store of new Set([src, dst])) {
                    if (warned.has(store))
                        continue;
                    warned.add(store);
                    for (const w of store.warnings ?? [])
                        o.log?.(`warning: ${w}`);
                }
            }
            catch (e) {
                ruleErrors.push({ rule: rule.name, message: (0, secrets_js_1.redact)(e.message) });
                plan.rules.push({ rule: rule.name, items: [], warnings: [] });
                continue;
            }
            const run = await (0, rule_js_1.runRule)(rule, src, dst, {
                dryRun: o.dryRun,
                concurrency: o.concurrency ?? rule.concurrency ?? concurrency,
                blobConcurrency: o.blobConcurrency ?? Math.max(4, concurrency * 2),
                mover,
                ...(o.select ? { select: (repo) => o.select(rule.name, repo) } : {}),
                ...(o.tags ? { tags: o.tags } : {}),
                ...(o.log ? { log: o.log } : {}),
            });
            plan.rules.push(run.plan);
            results.push(...run.results);
            ruleErrors.push(...run.ruleErrors);
        }
    }
    finally {
        for (const [name, s] of stores) {
            const store = await s.catch(() => undefined);
            if (!store)
                continue;
            requests[name] = store.requestCounts();
            await store.close().catch(() => { });
        }
    }
    const report = (0, json_js_1.buildReport)({
        command: o.command ?? (o.dryRun ? 'plan' : 'run'),
        dryRun: o.dryRun,
        startedAt,
        finishedAt: new Date(),
        results,
        ruleErrors,
        ...(o.shard ? { shard: o.shard } : {}),
        version: version_js_1.VERSION,
    });
    return { report, plan, requests };
}


/***/ }),

/***/ 9475:
/***/ ((__unused_webpack_module, exports, __webpack_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.formatResultLine = formatResultLine;
exports.formatTable = formatTable;
exports.formatProgress = formatProgress;
/**
 * Plain-text output for the log and the terminal: one line per image as it ends, a final
 * table and progress lines. Every registry string goes through neutralizeCommands (G4).
 */
const escape_js_1 = __webpack_require__(6412);
const json_js_1 = __webpack_require__(2794);
const SYMBOL = {
    failed: '✖',
    copied: '✔',
    updated: '✔',
    deleted: '✔',
    'would-copy': '+',
    'would-update': '~',
    'would-delete': '-',
    kept: '!',
    skipped: '↷',
    deferred: '…',
    unchanged: '=',
};
const COLOR = {
    failed: 31,
    copied: 32,
    updated: 32,
    deleted: 32,
    'would-copy': 32,
    'would-update': 33,
    'would-delete': 33,
    kept: 33,
    skipped: 33,
    deferred: 33,
    unchanged: 2,
};
/** Wide enough for `unchanged`; the longer dry-run words simply push the line. */
const STATUS_WIDTH = 9;
const MESSAGE_MAX = 500;
function paint(s, status, color) {
    return color ? `\x1b[${COLOR[status]}m${s}\x1b[0m` : s;
}
function text(s, max = 300) {
    return (0, escape_js_1.neutralizeCommands)((0, escape_js_1.truncate)(s, max));
}
/**
 * `✔ copied    src → dst  sha256:abcd1234…  12.3 MiB in 2.1s (2 retries)`; a failure puts its
 * hint on a second, indented line.
 */
function formatResultLine(r, opts = {}) {
    const refs = r.source ? `${text(r.source)} → ${text(r.destination)}` : text(r.destination);
    const parts = [`${paint(`${SYMBOL[r.status]} ${r.status.padEnd(STATUS_WIDTH)}`, r.status, opts.color)} ${refs}`];
    const digest = r.destinationDigest ?? r.sourceDigest;
    if (digest)
        parts.push(text((0, escape_js_1.shortDigest)(digest)));
    parts.push(r.bytes > 0 ? `${(0, escape_js_1.humanBytes)(r.bytes)} in ${(0, escape_js_1.humanDuration)(r.durationMs)}` : `in ${(0, escape_js_1.humanDuration)(r.durationMs)}`);
    let line = parts.join('  ');
    if (r.retries > 0)
        line += ` (${r.retries} ${r.retries === 1 ? 'retry' : 'retries'})`;
    if (r.error) {
        const status = r.error.status ? ` ${r.error.status}` : '';
        line += `  ${text(r.error.kind, 40)}${status}: ${text(r.error.message, MESSAGE_MAX)}`;
        if (r.error.hint)
            line += `\n    hint: ${text(r.error.hint, MESSAGE_MAX)}`;
    }
    else if (r.reason) {
        line += `  (${text(r.reason)})`;
    }
    return line;
}
/** The final aligned table plus a totals line. */
function formatTable(results, opts = {}) {
    const header = ['STATUS', 'SOURCE', 'DESTINATION', 'DIGEST', 'SIZE', 'TIME', 'RETRIES', 'NOTE'];
    const rows = results.map((r) => [
        paint(r.status, r.status, opts.color),
        r.source ? text(r.source, 120) : '-',
        text(r.destination, 120),
        text((0, escape_js_1.shortDigest)(r.destinationDigest ?? r.sourceDigest)) || '-',
        r.bytes > 0 ? (0, escape_js_1.humanBytes)(r.bytes) : '-',
        (0, escape_js_1.humanDuration)(r.durationMs),
        String(r.retries),
        r.error ? `${text(r.error.kind, 40)}: ${text(r.error.message, 120)}` : r.reason ? text(r.reason, 120) : '',
    ]);
    const totals = (0, json_js_1.countStatuses)(results);
    const summary = Object.entries(totals)
        .filter(([, n]) => n > 0)
        .map(([s, n]) => `${n} ${s}`)
        .join(', ');
    const bytes = results.reduce((n, r) => n + r.bytes, 0);
    const lines = (0, escape_js_1.alignColumns)([header, ...rows]);
    lines.push('', `Total: ${summary || 'no results'}; ${(0, escape_js_1.humanBytes)(bytes)} moved`);
    return lines.join('\n') + '\n';
}
/** `ghcr.io/acme/nginx:1.27  12.3 MiB / 45.6 MiB (27%)  4.1 MiB/s` */
function formatProgress(p) {
    const parts = [text(p.ref, 200)];
    if (p.total > 0) {
        const pct = Math.min(100, Math.floor((p.bytes / p.total) * 100));
        parts.push(`${(0, escape_js_1.humanBytes)(p.bytes)} / ${(0, escape_js_1.humanBytes)(p.total)} (${pct}%)`);
    }
    else {
        parts.push((0, escape_js_1.humanBytes)(p.bytes));
    }
    if (p.elapsedMs > 0)
        parts.push(`${(0, escape_js_1.humanBytes)((p.bytes * 1000) / p.elapsedMs)}/s`);
    return parts.join('  ');
}


/***/ }),

/***/ 6412:
/***/ ((__unused_webpack_module, exports) => {


/**
 * Escaping for untrusted text (registry error bodies, tag names, labels) before it reaches
 * Markdown (job summary, PR comment) or the runner's log (RELIABILITY.md G4 / T25),
 * plus the small text formatters the renderers share (bytes, durations, digests).
 */
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.DEFAULT_MAX_TEXT = void 0;
exports.truncate = truncate;
exports.escapeMarkdownCell = escapeMarkdownCell;
exports.escapeHtml = escapeHtml;
exports.neutralizeCommands = neutralizeCommands;
exports.code = code;
exports.codeCell = codeCell;
exports.oneLine = oneLine;
exports.humanBytes = humanBytes;
exports.humanDuration = humanDuration;
exports.shortDigest = shortDigest;
exports.alignColumns = alignColumns;
exports.width = width;
/** Default cap for one escaped string; long registry error bodies are cut with `…`. */
exports.DEFAULT_MAX_TEXT = 300;
const ZWSP = '\u200B';
/** Cuts `s` to at most `max` code points, ending in `…` when cut. */
function truncate(s, max = exports.DEFAULT_MAX_TEXT) {
    const points = Array.from(s);
    if (points.length <= max)
        return s;
    return points.slice(0, Math.max(0, max - 1)).join('') + '…';
}
const MD_CELL_ESCAPES = {
    '\\': '\\\\',
    '|': '\\|',
    '`': '\\`',
    '*': '\\*',
    _: '\\_',
    '[': '\\[',
    ']': '\\]',
    '~': '\\~',
    '<': '&lt;',
    '>': '&gt;',
    '&': '&amp;',
};
/**
 * Makes `s` safe as the text of one GitHub Markdown table cell: no cell break (`|`), no
 * code span, emphasis, link, HTML tag or entity, no line break, no @mention; cut at `max`.
 */
function escapeMarkdownCell(s, max = exports.DEFAULT_MAX_TEXT) {
    return truncate(oneLine(s), max)
        .replace(/[\\|`*_[\]~<>&]/g, (c) => MD_CELL_ESCAPES[c] ?? c)
        .replace(/@/g, '@' + ZWSP);
}
const HTML_ESCAPES = {
    '&': '&amp;',
    '<': '&lt;',
    '>': '&gt;',
    '"': '&quot;',
    "'": '&#39;',
};
/** Escapes text for HTML content or a quoted attribute (`<summary>`, `<code>`). */
function escapeHtml(s) {
    return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}
/**
 * Makes text inert in a GitHub Actions log. The runner reads a line starting with `::` as a
 * workflow command (and `##[` as a legacy one), so a registry string like
 * `"\n::add-mask::x\n::error::pwned"` could mask output or raise an annotation
 * (docs.github.com, "Workflow commands for GitHub Actions"). Line breaks and `%` are encoded
 * the way the toolkit encodes command data (`%0A`, `%0D`, `%25`), so the result is one line;
 * a leading `::` and every `##[` get a zero-width space; other control characters
 * (ANSI escapes included) are shown as `\xNN`.
 */
function neutralizeCommands(s) {
    return s
        .replace(/%/g, '%25')
        .replace(/\r/g, '%0D')
        .replace(/\n/g, '%0A')
        .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\x${hex2(c)}`)
        .replace(/^(\s*):(?=:)/, `$1:${ZWSP}`)
        .replace(/##\[/g, `#${ZWSP}#[`);
}
/**
 * Inline code for Markdown outside tables: the fence is one backtick longer than the longest
 * backtick run inside, padded when the text starts or ends with a backtick (CommonMark 6.1).
 */
function code(s, max = exports.DEFAULT_MAX_TEXT) {
    const text = truncate(oneLine(s), max);
    if (text === '')
        return '` `';
    const longest = Math.max(0, ...Array.from(text.matchAll(/`+/g), (m) => m[0].length));
    const fence = '`'.repeat(longest + 1);
    const pad = /^[` ]|[` ]$/.test(text) && text.trim() !== '' ? ' ' : '';
    return fence + pad + text + pad + fence;
}
/**
 * Monospace text for a table cell. A backtick code span can't hold `\|` reliably inside a GFM
 * table, so this is `<code>` around escaped cell text.
 */
function codeCell(s, max = exports.DEFAULT_MAX_TEXT) {
    return `<code>${escapeMarkdownCell(s, max)}</code>`;
}
/** Replaces line breaks and tabs with spaces and drops other control characters. */
function oneLine(s) {
    return s.replace(/\r\n|[\r\n\t\u2028\u2029]/g, ' ').replace(/[\u0000-\u001f\u007f-\u009f]/g, '');
}
function hex2(c) {
    return c.charCodeAt(0).toString(16).padStart(2, '0');
}
// ---- shared formatters -------------------------------------------------------------------
const BYTE_UNITS = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
/** `512 B`, `12.3 MiB`, `2.1 GiB` (binary units, one decimal below 100). */
function humanBytes(bytes) {
    if (!Number.isFinite(bytes) || bytes < 1024)
        return `${Math.max(0, Math.round(bytes || 0))} B`;
    let value = bytes;
    let unit = '';
    for (const u of BYTE_UNITS) {
        value /= 1024;
        unit = u;
        if (value < 1024)
            break;
    }
    return `${value < 100 ? value.toFixed(1) : Math.round(value)} ${unit}`;
}
/** `850ms`, `2.1s`, `41s`, `6m12s`, `1h02m`. */
function humanDuration(ms) {
    if (!Number.isFinite(ms) || ms < 0)
        return '0ms';
    if (ms < 1000)
        return `${Math.round(ms)}ms`;
    const seconds = ms / 1000;
    if (seconds < 10)
        return `${(Math.floor(seconds * 10) / 10).toFixed(1)}s`;
    if (seconds < 60)
        return `${Math.floor(seconds)}s`;
    const total = Math.floor(seconds);
    const h = Math.floor(total / 3600);
    const m = Math.floor((total % 3600) / 60);
    const s = total % 60;
    if (h > 0)
        return `${h}h${String(m).padStart(2, '0')}m`;
    return `${m}m${String(s).padStart(2, '0')}s`;
}
const DIGEST_RE = /^([a-z0-9]+(?:[+._-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/;
/**
 * `sha256:abcd1234…` for a well-formed digest; anything else comes back cut to 24 characters
 * and still needs escaping by the caller.
 */
function shortDigest(digest, hexChars = 8) {
    if (!digest)
        return '';
    const m = DIGEST_RE.exec(digest);
    if (!m)
        return truncate(digest, 24);
    const [, algorithm, encoded] = m;
    return encoded.length <= hexChars ? digest : `${algorithm}:${encoded.slice(0, hexChars)}…`;
}
/** Left-aligned columns separated by two spaces, trailing blanks removed. */
function alignColumns(rows, indent = '') {
    const widths = [];
    for (const row of rows) {
        for (const [i, cell] of row.entries())
            widths[i] = Math.max(widths[i] ?? 0, width(cell));
    }
    return rows.map((row) => indent +
        row
            .map((cell, i) => cell + ' '.repeat((widths[i] ?? 0) - width(cell)))
            .join('  ')
            .trimEnd());
}
/** Display width in a terminal: code points, ANSI colour sequences excluded. */
function width(s) {
    return Array.from(s.replace(/\x1b\[[0-9;]*m/g, '')).length;
}


/***/ }),

/***/ 2794:
/***/ ((__unused_webpack_module, exports) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.REPORT_SCHEMA_VERSION = exports.ALL_STATUSES = void 0;
exports.buildReport = buildReport;
exports.countStatuses = countStatuses;
exports.serializeReport = serializeReport;
exports.parseReport = parseReport;
/** Every status, in the order totals and tables list them. */
exports.ALL_STATUSES = [
    'failed',
    'copied',
    'updated',
    'deleted',
    'would-copy',
    'would-update',
    'would-delete',
    'kept',
    'skipped',
    'deferred',
    'unchanged',
];
exports.REPORT_SCHEMA_VERSION = 1;
/** Assembles a RunReport, counting every status (zeros included). */
function buildReport(args) {
    const report = {
        schemaVersion: 1,
        tool: { name: 'ferry', version: args.version },
        command: args.command,
        dryRun: args.dryRun,
        startedAt: args.startedAt.toISOString(),
        finishedAt: args.finishedAt.toISOString(),
        results: args.results,
        ruleErrors: args.ruleErrors,
        totals: countStatuses(args.results),
    };
    if (args.shard)
        report.shard = { index: args.shard.index, total: args.shard.total };
    return report;
}
/** Counts results per status, with a zero for every status that did not occur. */
function countStatuses(results) {
    const totals = Object.fromEntries(exports.ALL_STATUSES.map((s) => [s, 0]));
    for (const r of results)
        totals[r.status] += 1;
    return totals;
}
/** JSON with a fixed key order and 2-space indent, so equal reports give equal text. */
function serializeReport(r) {
    return JSON.stringify(normalizeReport(r), null, 2) + '\n';
}
/** Reads a report written by serializeReport (or by another ferry of the same schema). */
function parseReport(text) {
    let data;
    try {
        data = JSON.parse(text);
    }
    catch (e) {
        throw new Error(`ferry report is not valid JSON: ${e.message}`, { cause: e });
    }
    if (!isObject(data))
        throw new Error('ferry report must be a JSON object');
    if (data.schemaVersion !== exports.REPORT_SCHEMA_VERSION) {
        throw new Error(`unsupported ferry report schemaVersion ${JSON.stringify(data.schemaVersion)}; ` +
            `this ferry reads schemaVersion ${exports.REPORT_SCHEMA_VERSION}. Use the ferry version that wrote the report.`);
    }
    const v = new Validator();
    v.check(isObject(data.tool) && data.tool.name === 'ferry', 'tool', 'expected {"name": "ferry", "version": …}');
    if (isObject(data.tool))
        v.check(typeof data.tool.version === 'string', 'tool.version', 'expected a string');
    v.check(data.command === 'plan' || data.command === 'run', 'command', 'expected "plan" or "run"');
    v.check(typeof data.dryRun === 'boolean', 'dryRun', 'expected true or false');
    for (const key of ['startedAt', 'finishedAt']) {
        const value = data[key];
        v.check(typeof value === 'string' && !Number.isNaN(Date.parse(value)), key, 'expected an ISO date');
    }
    if (data.shard !== undefined) {
        const s = data.shard;
        v.check(isObject(s) && isCount(s.total) && s.total >= 1 && isCount(s.index) && s.index < s.total, 'shard', 'expected {"index": n, "total": m} with 0 ≤ index < total');
    }
    if (Array.isArray(data.results)) {
        for (const [i, r] of data.results.entries())
            checkResult(v, r, `results[${i}]`);
    }
    else
        v.fail('results', 'expected an array');
    if (Array.isArray(data.ruleErrors)) {
        for (const [i, e] of data.ruleErrors.entries()) {
            const p = `ruleErrors[${i}]`;
            if (!isObject(e)) {
                v.fail(p, 'expected an object');
                continue;
            }
            v.check(typeof e.rule === 'string', `${p}.rule`, 'expected a string');
            v.check(typeof e.message === 'string', `${p}.message`, 'expected a string');
            v.check(e.hint === undefined || typeof e.hint === 'string', `${p}.hint`, 'expected a string');
        }
    }
    else
        v.fail('ruleErrors', 'expected an array');
    if (isObject(data.totals)) {
        for (const [k, n] of Object.entries(data.totals)) {
            v.check(exports.ALL_STATUSES.includes(k), `totals.${k}`, 'unknown status');
            v.check(isCount(n), `totals.${k}`, 'expected a whole number ≥ 0');
        }
    }
    else
        v.fail('totals', 'expected an object');
    v.throwIfAny();
    return normalizeReport(data);
}
function checkResult(v, r, p) {
    if (!isObject(r)) {
        v.fail(p, 'expected an object');
        return;
    }
    for (const key of ['rule', 'destination', 'tag']) {
        v.check(typeof r[key] === 'string', `${p}.${key}`, 'expected a string');
    }
    for (const key of ['source', 'sourceDigest', 'destinationDigest', 'reason']) {
        v.check(r[key] === undefined || typeof r[key] === 'string', `${p}.${key}`, 'expected a string');
    }
    v.check(typeof r.status === 'string' && exports.ALL_STATUSES.includes(r.status), `${p}.status`, `expected one of ${exports.ALL_STATUSES.join(', ')}`);
    for (const key of ['bytes', 'durationMs', 'retries']) {
        v.check(isCount(r[key]) || (key === 'durationMs' && isNonNegative(r[key])), `${p}.${key}`, 'expected a number ≥ 0');
    }
    const b = r.blobs;
    v.check(isObject(b) && isCount(b.copied) && isCount(b.mounted) && isCount(b.present), `${p}.blobs`, 'expected {"copied": n, "mounted": n, "present": n}');
    if (r.error !== undefined) {
        const e = r.error;
        if (!isObject(e)) {
            v.fail(`${p}.error`, 'expected an object');
            return;
        }
        v.check(typeof e.kind === 'string', `${p}.error.kind`, 'expected a string');
        v.check(typeof e.message === 'string', `${p}.error.message`, 'expected a string');
        v.check(e.hint === undefined || typeof e.hint === 'string', `${p}.error.hint`, 'expected a string');
        v.check(e.status === undefined || isCount(e.status), `${p}.error.status`, 'expected an HTTP status');
        v.check(e.codes === undefined || (Array.isArray(e.codes) && e.codes.every((c) => typeof c === 'string')), `${p}.error.codes`, 'expected an array of strings');
    }
}
/** Rebuilds the report with the declared key order, no unknown keys, and totals recounted. */
function normalizeReport(r) {
    return {
        schemaVersion: 1,
        tool: { name: 'ferry', version: r.tool.version },
        command: r.command,
        dryRun: r.dryRun,
        startedAt: r.startedAt,
        finishedAt: r.finishedAt,
        ...(r.shard ? { shard: { index: r.shard.index, total: r.shard.total } } : {}),
        results: r.results.map(normalizeResult),
        ruleErrors: r.ruleErrors.map((e) => defined({ rule: e.rule, message: e.message, hint: e.hint })),
        totals: countStatuses(r.results),
    };
}
function normalizeResult(r) {
    return defined({
        rule: r.rule,
        source: r.source,
        destination: r.destination,
        tag: r.tag,
        status: r.status,
        sourceDigest: r.sourceDigest,
        destinationDigest: r.destinationDigest,
        bytes: r.bytes,
        blobs: { copied: r.blobs.copied, mounted: r.blobs.mounted, present: r.blobs.present },
        durationMs: r.durationMs,
        retries: r.retries,
        reason: r.reason,
        error: r.error ? normalizeError(r.error) : undefined,
    });
}
function normalizeError(e) {
    return defined({
        kind: e.kind,
        message: e.message,
        hint: e.hint,
        status: e.status,
        codes: e.codes ? [...e.codes] : undefined,
    });
}
/** Drops keys whose value is undefined (JSON.stringify would too, but equality checks would not). */
function defined(o) {
    for (const k of Object.keys(o))
        if (o[k] === undefined)
            delete o[k];
    return o;
}
function isObject(x) {
    return typeof x === 'object' && x !== null && !Array.isArray(x);
}
function isCount(x) {
    return typeof x === 'number' && Number.isInteger(x) && x >= 0;
}
function isNonNegative(x) {
    return typeof x === 'number' && Number.isFinite(x) && x >= 0;
}
const MAX_LISTED_PROBLEMS = 10;
class Validator {
    problems = [];
    check(ok, path, expected) {
        if (!ok)
            this.fail(path, expected);
    }
    fail(path, expected) {
        this.problems.push(`${path}: ${expected}`);
    }
    throwIfAny() {
        if (this.problems.length === 0)
            return;
        const shown = this.problems.slice(0, MAX_LISTED_PROBLEMS);
        const more = this.problems.length - shown.length;
        throw new Error(`invalid ferry report (${this.problems.length} problem${this.problems.length === 1 ? '' : 's'}):\n` +
            shown.map((p) => `  - ${p}`).join('\n') +
            (more > 0 ? `\n  - … and ${more} more` : ''));
    }
}


/***/ }),

/***/ 6825:
/***/ (function(__unused_webpack_module, exports, __webpack_require__) {


// Source filters: which repositories and which tags a rule replicates.
//
// Pattern lists (name and tag filters): a pattern starting with `!` excludes; the others include.
// A subject passes when the list has no include pattern or at least one include pattern matches,
// and no exclude pattern matches. An empty list passes everything. Each pattern is a Harbor
// pattern (see glob.ts); `\!x` matches a literal `!x`. Harbor's UI holds one pattern with a
// "matching"/"excluding" decoration; a list of such patterns is ferry's generalisation.
//
// Untagged artifacts are tested with the empty tag `""`, as Harbor does: `*` and `**` keep them,
// `v*` drops them, `!v*` keeps them.
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.compileNameFilter = compileNameFilter;
exports.compileTagFilter = compileTagFilter;
exports.patternErrors = patternErrors;
exports.matchLabels = matchLabels;
exports.isImage = isImage;
exports.semverOf = semverOf;
exports.compileSemverFilter = compileSemverFilter;
exports.compileTagScope = compileTagScope;
exports.newestFirst = newestFirst;
exports.selectTags = selectTags;
exports.filtersMatchEverything = filtersMatchEverything;
const semver_1 = __importDefault(__webpack_require__(2088));
const glob_js_1 = __webpack_require__(9269);
function compileList(patterns) {
    const list = { include: [], exclude: [] };
    for (const pattern of patterns) {
        if (pattern.startsWith('!'))
            list.exclude.push((0, glob_js_1.compileGlob)(pattern.slice(1)));
        else
            list.include.push((0, glob_js_1.compileGlob)(pattern));
    }
    return list;
}
function listPredicate(list) {
    const { include, exclude } = list;
    if (include.length === 0 && exclude.length === 0)
        return () => true;
    return (s) => (include.length === 0 || include.some((m) => m(s))) && !exclude.some((m) => m(s));
}
/** Repository name filter: doublestar globs on the full repository path (`backend/**`). */
function compileNameFilter(patterns) {
    return listPredicate(compileList(patterns));
}
/** Tag filter (`prod-*`, `v*`, `!*-rc*`). Pass `""` for an untagged artifact. */
function compileTagFilter(patterns) {
    return listPredicate(compileList(patterns));
}
/** Check every pattern of a list; returns the messages of the malformed ones (for config validation). */
function patternErrors(patterns) {
    const errors = [];
    for (const pattern of patterns) {
        try {
            (0, glob_js_1.compileGlob)(pattern.startsWith('!') ? pattern.slice(1) : pattern);
        }
        catch (err) {
            if (err instanceof glob_js_1.GlobSyntaxError)
                errors.push(err.message);
            else
                throw err;
        }
    }
    return errors;
}
/** The artifact carries every required label/annotation with the same value. Keys and values are case-sensitive. */
function matchLabels(required, have) {
    return Object.entries(required).every(([key, value]) => Object.hasOwn(have, key) && have[key] === value);
}
const IMAGE_CONFIG_TYPES = new Set([
    'application/vnd.docker.container.image.v1+json',
    'application/vnd.oci.image.config.v1+json',
]);
const INDEX_TYPES = new Set([
    'application/vnd.oci.image.index.v1+json',
    'application/vnd.docker.distribution.manifest.list.v2+json',
]);
const SCHEMA1_TYPES = new Set([
    'application/vnd.docker.distribution.manifest.v1+json',
    'application/vnd.docker.distribution.manifest.v1+prettyjws',
]);
function baseMediaType(mediaType) {
    return (mediaType.split(';')[0] ?? '').trim().toLowerCase();
}
/**
 * Whether an artifact is an "image" for the resource filter: its config media type is a Docker or
 * OCI image config, or it is an index / manifest list (taken to be an index of images, as its
 * children are not known here), or a Docker schema 1 manifest (always an image). Anything else with
 * a known config type (Helm chart, Cosign signature, SBOM, WASM...) is an "artifact". With no
 * config type and a plain manifest type (or nothing at all) it cannot be told apart and counts as
 * an image, which is what a Distribution registry holds by default.
 */
function isImage(configMediaType, manifestMediaType) {
    const manifest = manifestMediaType ? baseMediaType(manifestMediaType) : undefined;
    if (manifest && (INDEX_TYPES.has(manifest) || SCHEMA1_TYPES.has(manifest)))
        return true;
    if (configMediaType)
        return IMAGE_CONFIG_TYPES.has(baseMediaType(configMediaType));
    return true;
}
/** `v1.2.3` and `1.2.3` (and `=1.2.3`) parse; `1.2`, `latest` do not. */
function semverOf(tag) {
    const cleaned = semver_1.default.clean(tag);
    return cleaned === null ? null : semver_1.default.valid(cleaned);
}
function compileRange(range) {
    try {
        return new semver_1.default.Range(range);
    }
    catch {
        throw new Error(`invalid semver range ${JSON.stringify(range)}`);
    }
}
/**
 * Tags inside a semver range. Tags that are not semver never satisfy a range. A prerelease
 * (`1.3.0-rc.1`) satisfies only a range that names a prerelease of the same major.minor.patch
 * (`>=1.3.0-rc.0`), the semver package's default.
 */
function compileSemverFilter(range) {
    if (range === undefined || range.trim() === '')
        return () => true;
    const r = compileRange(range);
    return (tag) => {
        const v = semverOf(tag);
        return v !== null && r.test(v);
    };
}
/**
 * The tags a rule can ever write at the destination: the tag filter and the semver range. Labels
 * and the resource type are not known for destination tags, and keep-latest-N is deliberately not
 * part of the scope (so with delete_remote, tags that fell out of the newest N are deleted).
 */
function compileTagScope(filters) {
    const byTag = compileTagFilter(filters.tag);
    const bySemver = compileSemverFilter(filters.semver);
    return (tag) => byTag(tag) && bySemver(tag);
}
function compareLexical(a, b) {
    return a < b ? -1 : a > b ? 1 : 0;
}
/**
 * Order for keep-latest-N, newest first:
 * 1. when every tag is semver: by version, descending (ties, e.g. `v1.0.0` and `1.0.0`, by tag);
 * 2. otherwise when every tag has a parseable creation time: by time, descending, ties by tag
 *    descending;
 * 3. otherwise: by tag, descending (code-unit order), e.g. `2024-06-01` before `2024-05-30`.
 */
function newestFirst(tags) {
    const versions = tags.map((t) => semverOf(t.tag));
    if (versions.every((v) => v !== null)) {
        return tags
            .map((t, i) => ({ t, v: versions[i] }))
            .sort((a, b) => semver_1.default.rcompare(a.v, b.v) || compareLexical(b.t.tag, a.t.tag))
            .map((x) => x.t);
    }
    const times = tags.map((t) => (t.created === undefined ? Number.NaN : Date.parse(t.created)));
    if (times.every((n) => !Number.isNaN(n))) {
        return tags
            .map((t, i) => ({ t, n: times[i] }))
            .sort((a, b) => b.n - a.n || compareLexical(b.t.tag, a.t.tag))
            .map((x) => x.t);
    }
    return [...tags].sort((a, b) => compareLexical(b.tag, a.tag));
}
/**
 * Apply a rule's artifact filters to a repository's tags, in this order: tag patterns, labels,
 * resource type, semver range, keep-latest-N. Labels are tested only on tags whose `labels` the
 * provider supplied, and the resource type only when a media type is known: a provider that cannot
 * read labels or media types cannot filter on them (the label filter then lets everything through,
 * so providers must fill `labels` for label filters to work). The result keeps the input order.
 */
function selectTags(tags, filters) {
    const byTag = compileTagFilter(filters.tag);
    const bySemver = compileSemverFilter(filters.semver);
    const wantLabels = Object.keys(filters.labels).length > 0;
    let selected = tags.filter((t) => {
        if (!byTag(t.tag))
            return false;
        if (wantLabels && t.labels !== undefined && !matchLabels(filters.labels, t.labels))
            return false;
        if (filters.resource !== 'all' && (t.configMediaType !== undefined || t.mediaType !== undefined)) {
            const image = isImage(t.configMediaType, t.mediaType);
            if (image !== (filters.resource === 'image'))
                return false;
        }
        return bySemver(t.tag);
    });
    if (filters.latest !== undefined) {
        const keep = new Set(newestFirst(selected).slice(0, Math.max(0, filters.latest)));
        selected = selected.filter((t) => keep.has(t));
    }
    return selected;
}
/**
 * Whether a rule's filters select every tag of every repository (name and tag filters match all,
 * no exclusion, no labels, no semver range, no latest-N). The resource type is ignored: it is not
 * known for destination tags, so it does not narrow what delete_remote may touch.
 */
function filtersMatchEverything(filters) {
    const allNames = filters.name.length === 0 || (!filters.name.some((p) => p.startsWith('!')) && filters.name.some(glob_js_1.isMatchAllPattern));
    const allTags = filters.tag.length === 0 ||
        (!filters.tag.some((p) => p.startsWith('!')) && filters.tag.some((p) => (0, glob_js_1.isMatchAllPattern)(p) || p === '*'));
    return (allNames &&
        allTags &&
        Object.keys(filters.labels).length === 0 &&
        (filters.semver === undefined || filters.semver.trim() === '') &&
        filters.latest === undefined);
}


/***/ }),

/***/ 9269:
/***/ ((__unused_webpack_module, exports) => {


// Glob matching with the semantics Harbor uses for replication filters.
//
// Harbor matches repository names and tags with `util.Match`
// (src/pkg/reg/util/pattern.go): an empty pattern matches everything, a pattern starting with
// `regex:` is a Go regular expression tested unanchored (`MatchString`), and anything else goes
// to `github.com/bmatcuk/doublestar` v1 `Match`, with `/` as the separator.
//
// doublestar v1, which this module reimplements by compiling a pattern to a RegExp:
// - `*` matches any run of characters except `/` (also the empty run, so `*` matches `""`);
// - `**` matches across `/` only when it is a whole path component (`a/**`, `**/b`, `a/**/b`):
//   then it stands for zero or more components (`a/**/b` matches `a/b`); inside a component
//   (`a**b`) it is the same as `*`. `a/**` needs something after `a/`, so it does not match `a`;
// - `?` matches one character except `/`;
// - `[abc]`, `[a-z]`, `[^a-z]` character classes (negation is `^` only: `[!a]` is the class of
//   `!` and `a`); an empty class `[]` or a class starting with `-` is a syntax error; a class never
//   matches `/`;
// - `{a,b}` alternatives, nestable, which may contain `/` and may be empty (`{,x}`);
// - `\c` matches `c` literally;
// - case-sensitive; no special treatment of names starting with `.`, no `!` negation and no `#`
//   comments (those are where minimatch's defaults differ; see the tests).
//
// `regex:` patterns run on JavaScript's RegExp (`u` flag) rather than Go's RE2; they agree on the
// usual syntax (classes, anchors, alternation, repetition).
//
// Known corner where ferry differs from doublestar v1: a `**` that only becomes a whole component
// after brace expansion (`{**,x}/y`) is a globstar here, a single-component `*` there.
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.GlobSyntaxError = void 0;
exports.compileGlob = compileGlob;
exports.globToRegExp = globToRegExp;
exports.isMatchAllPattern = isMatchAllPattern;
class GlobSyntaxError extends Error {
    pattern;
    constructor(pattern, detail) {
        super(`invalid pattern ${JSON.stringify(pattern)}: ${detail}`);
        this.pattern = pattern;
        this.name = 'GlobSyntaxError';
    }
}
exports.GlobSyntaxError = GlobSyntaxError;
/** Most alternatives one pattern may expand to, to keep `{a,b}{c,d}...` from exploding. */
const MAX_ALTERNATIVES = 1024;
/** Compile a Harbor-style pattern to a predicate. Throws GlobSyntaxError on a malformed pattern. */
function compileGlob(pattern) {
    if (pattern === '')
        return () => true;
    const re = globToRegExp(pattern);
    return (subject) => re.test(subject);
}
/** The RegExp a pattern compiles to (anchored, except `regex:` patterns, which Harbor tests unanchored). */
function globToRegExp(pattern) {
    if (pattern.startsWith('regex:')) {
        const source = pattern.slice('regex:'.length);
        try {
            return new RegExp(source, 'u');
        }
        catch (err) {
            throw new GlobSyntaxError(pattern, `bad regular expression: ${err.message}`);
        }
    }
    if (pattern === '')
        return /^[\s\S]*$/u;
    const alternatives = expandBraces(pattern, pattern);
    const bodies = [...new Set(alternatives.map((alt) => compileAlternative(alt, pattern)))];
    return new RegExp(`^(?:${bodies.join('|')})$`, 'u');
}
/** True when the pattern matches every string (used to spot rules that match everything). */
function isMatchAllPattern(pattern) {
    return pattern === '' || pattern === '**' || pattern === 'regex:' || pattern === 'regex:.*';
}
// ---------------------------------------------------------------------------------------------
// brace expansion
/** Index of the `]` closing a class opened at `open`, or -1 (first unescaped `]`, as doublestar). */
function classEnd(p, open) {
    for (let i = open + 1; i < p.length; i++) {
        if (p[i] === '\\')
            i++;
        else if (p[i] === ']')
            return i;
    }
    return -1;
}
/**
 * Expand the first `{...}` group (and, recursively, the rest), keeping escapes intact so that
 * the compiler still sees `\{` as a literal.
 */
function expandBraces(p, whole) {
    let open = -1;
    for (let i = 0; i < p.length; i++) {
        const c = p[i];
        if (c === '\\') {
            i++;
        }
        else if (c === '[') {
            const end = classEnd(p, i);
            if (end !== -1)
                i = end;
        }
        else if (c === '{') {
            open = i;
            break;
        }
    }
    if (open === -1)
        return [p];
    // split the group's alternatives at top-level commas (doublestar's splitAlternatives)
    const options = [];
    let depth = 1;
    let start = open + 1;
    let i = open + 1;
    for (; i < p.length; i++) {
        const c = p[i];
        if (c === '\\') {
            i++;
        }
        else if (c === '{') {
            depth++;
        }
        else if (c === '}') {
            depth--;
            if (depth === 0)
                break;
        }
        else if (c === ',' && depth === 1) {
            options.push(p.slice(start, i));
            start = i + 1;
        }
    }
    if (depth !== 0)
        throw new GlobSyntaxError(whole, 'unclosed "{"');
    options.push(p.slice(start, i));
    const prefix = p.slice(0, open);
    const suffixes = expandBraces(p.slice(i + 1), whole);
    const out = [];
    for (const option of options) {
        for (const inner of expandBraces(option, whole)) {
            for (const suffix of suffixes) {
                out.push(prefix + inner + suffix);
                if (out.length > MAX_ALTERNATIVES) {
                    throw new GlobSyntaxError(whole, `expands to more than ${MAX_ALTERNATIVES} alternatives`);
                }
            }
        }
    }
    return out;
}
function tokenize(p, whole) {
    const tokens = [];
    const chars = Array.from(p); // by code point, as Go decodes runes
    for (let i = 0; i < chars.length; i++) {
        const c = chars[i];
        if (c === '\\') {
            const next = chars[i + 1];
            if (next === undefined)
                throw new GlobSyntaxError(whole, 'trailing "\\"');
            tokens.push({ kind: 'lit', char: next });
            i++;
        }
        else if (c === '/') {
            tokens.push({ kind: 'sep' });
        }
        else if (c === '*') {
            let raw = '*';
            while (chars[i + 1] === '*') {
                raw += '*';
                i++;
            }
            tokens.push({ kind: 'star', raw });
        }
        else if (c === '?') {
            tokens.push({ kind: 'any' });
        }
        else if (c === '[') {
            let end = -1;
            for (let j = i + 1; j < chars.length; j++) {
                if (chars[j] === '\\')
                    j++;
                else if (chars[j] === ']') {
                    end = j;
                    break;
                }
            }
            if (end === -1)
                throw new GlobSyntaxError(whole, 'unclosed "["');
            tokens.push(parseClass(chars.slice(i + 1, end), whole));
            i = end;
        }
        else {
            tokens.push({ kind: 'lit', char: c });
        }
    }
    return tokens;
}
function parseClass(body, whole) {
    if (body.length === 0)
        throw new GlobSyntaxError(whole, 'empty character class "[]"');
    let i = 0;
    const negated = body[0] === '^';
    if (negated)
        i++;
    const ranges = [];
    const take = () => {
        let c = body[i++];
        if (c === '\\') {
            const next = body[i++];
            if (next === undefined)
                throw new GlobSyntaxError(whole, 'trailing "\\" in a character class');
            c = next;
        }
        return c;
    };
    while (i < body.length) {
        if (body[i] === '-')
            throw new GlobSyntaxError(whole, 'character class range without a start');
        const low = take();
        let high = low;
        if (body[i] === '-') {
            i++;
            if (i >= body.length || body[i] === '-') {
                throw new GlobSyntaxError(whole, 'character class range without an end');
            }
            high = take();
        }
        ranges.push([low.codePointAt(0), high.codePointAt(0)]);
    }
    return { kind: 'class', negated, ranges };
}
function escapeRegExpChar(c) {
    return /[\\^$.*+?()[\]{}|/]/u.test(c) ? `\\${c}` : c;
}
function hex(cp) {
    return `\\u{${cp.toString(16)}}`;
}
function classToRegExp(t) {
    // A range whose start is past its end matches nothing (Go compares lo <= r <= hi).
    const parts = t.ranges
        .filter(([lo, hi]) => lo <= hi)
        .map(([lo, hi]) => (lo === hi ? hex(lo) : `${hex(lo)}-${hex(hi)}`));
    if (t.negated)
        return `[^/${parts.join('')}]`;
    if (parts.length === 0)
        return '(?!)';
    return `(?!/)[${parts.join('')}]`;
}
function tokenToRegExp(t) {
    switch (t.kind) {
        case 'sep':
            return '/';
        case 'star':
            return '[^/]*';
        case 'any':
            return '[^/]';
        case 'class':
            return classToRegExp(t);
        case 'lit':
            return escapeRegExpChar(t.char);
    }
}
function compileAlternative(alt, whole) {
    const tokens = tokenize(alt, whole);
    // split into path components
    const components = [[]];
    for (const t of tokens) {
        if (t.kind === 'sep')
            components.push([]);
        else
            components[components.length - 1].push(t);
    }
    let out = '';
    for (let i = 0; i < components.length; i++) {
        const comp = components[i];
        const last = i === components.length - 1;
        const first = comp[0];
        const globstar = comp.length === 1 && first?.kind === 'star' && first.raw === '**';
        if (globstar) {
            // `**` as the last component eats the rest (including `/`); elsewhere zero or more
            // whole components, each followed by its `/` (the separator after `**` is consumed here).
            out += last ? '[\\s\\S]*' : '(?:[^/]*/)*';
            continue;
        }
        out += comp.map(tokenToRegExp).join('');
        if (!last)
            out += '/';
    }
    return out;
}


/***/ }),

/***/ 5755:
/***/ ((__unused_webpack_module, exports, __webpack_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.mapRepository = exports.MappingError = exports.isMatchAllPattern = exports.globToRegExp = exports.GlobSyntaxError = exports.compileGlob = exports.semverOf = exports.selectTags = exports.patternErrors = exports.newestFirst = exports.matchLabels = exports.isImage = exports.filtersMatchEverything = exports.compileTagScope = exports.compileTagFilter = exports.compileSemverFilter = exports.compileNameFilter = void 0;
var filter_js_1 = __webpack_require__(6825);
Object.defineProperty(exports, "compileNameFilter", ({ enumerable: true, get: function () { return filter_js_1.compileNameFilter; } }));
Object.defineProperty(exports, "compileSemverFilter", ({ enumerable: true, get: function () { return filter_js_1.compileSemverFilter; } }));
Object.defineProperty(exports, "compileTagFilter", ({ enumerable: true, get: function () { return filter_js_1.compileTagFilter; } }));
Object.defineProperty(exports, "compileTagScope", ({ enumerable: true, get: function () { return filter_js_1.compileTagScope; } }));
Object.defineProperty(exports, "filtersMatchEverything", ({ enumerable: true, get: function () { return filter_js_1.filtersMatchEverything; } }));
Object.defineProperty(exports, "isImage", ({ enumerable: true, get: function () { return filter_js_1.isImage; } }));
Object.defineProperty(exports, "matchLabels", ({ enumerable: true, get: function () { return filter_js_1.matchLabels; } }));
Object.defineProperty(exports, "newestFirst", ({ enumerable: true, get: function () { return filter_js_1.newestFirst; } }));
Object.defineProperty(exports, "patternErrors", ({ enumerable: true, get: function () { return filter_js_1.patternErrors; } }));
Object.defineProperty(exports, "selectTags", ({ enumerable: true, get: function () { return filter_js_1.selectTags; } }));
Object.defineProperty(exports, "semverOf", ({ enumerable: true, get: function () { return filter_js_1.semverOf; } }));
var glob_js_1 = __webpack_require__(9269);
Object.defineProperty(exports, "compileGlob", ({ enumerable: true, get: function () { return glob_js_1.compileGlob; } }));
Object.defineProperty(exports, "GlobSyntaxError", ({ enumerable: true, get: function () { return glob_js_1.GlobSyntaxError; } }));
Object.defineProperty(exports, "globToRegExp", ({ enumerable: true, get: function () { return glob_js_1.globToRegExp; } }));
Object.defineProperty(exports, "isMatchAllPattern", ({ enumerable: true, get: function () { return glob_js_1.isMatchAllPattern; } }));
var mapping_js_1 = __webpack_require__(1169);
Object.defineProperty(exports, "MappingError", ({ enumerable: true, get: function () { return mapping_js_1.MappingError; } }));
Object.defineProperty(exports, "mapRepository", ({ enumerable: true, get: function () { return mapping_js_1.mapRepository; } }));


/***/ }),

/***/ 1169:
/***/ ((__unused_webpack_module, exports) => {


// Destination repository names: Harbor's destination namespace and flattening
// (replaceNamespace in goharbor/harbor src/controller/replication/flow/stage.go).
//
// For `a/b/c/img` with namespace `n`:
//   flattening -1 (all) → n/img      0 → n/a/b/c/img      1 (default) → n/b/c/img
//   flattening 2        → n/c/img    3 → n/img            4 → error
// Flattening k removes the first k components before the image name and puts the namespace in
// their place; asking to remove more components than there are before the name is an error,
// so `img` with the default flattening 1 is an error, not `n/img` (use -1 or 0 for such names).
// Without a namespace the source path is kept and flattening is ignored.
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.MappingError = void 0;
exports.mapRepository = mapRepository;
class MappingError extends Error {
    repository;
    constructor(repository, message) {
        super(message);
        this.repository = repository;
        this.name = 'MappingError';
    }
}
exports.MappingError = MappingError;
function components(path) {
    return path.split('/').filter((c) => c !== '');
}
/** The destination repository for a source repository. Throws MappingError naming the repository. */
function mapRepository(repository, options) {
    const { namespace, flattening, requireTwoComponents } = options;
    if (!Number.isInteger(flattening)) {
        throw new MappingError(repository, `flattening must be an integer, got ${flattening}`);
    }
    const source = components(repository);
    if (source.length === 0)
        throw new MappingError(repository, 'empty repository name');
    const name = source[source.length - 1];
    const parents = source.slice(0, -1);
    let result;
    if (namespace === undefined || namespace === '') {
        result = source;
    }
    else if (flattening < 0) {
        result = [...components(namespace), name];
    }
    else if (flattening > parents.length) {
        throw new MappingError(repository, `cannot map repository "${repository}": it has ${parents.length} path component(s) before the ` +
            `image name${parents.length ? ` (${parents.join(', ')})` : ''}, but flattening is ${flattening}; ` +
            `use a flattening of at most ${parents.length}, or -1 (all)`);
    }
    else {
        result = [...components(namespace), ...parents.slice(flattening), name];
    }
    const mapped = result.join('/');
    if (requireTwoComponents && result.length !== 2) {
        const hint = result.length > 2
            ? namespace && components(namespace).length > 1
                ? `use a one-component destination namespace instead of "${namespace}"`
                : namespace
                    ? `set flattening to ${flattening < 0 ? -1 : flattening + result.length - 2} or -1 (all)`
                    : 'set a destination namespace with flattening -1 (all)'
            : 'set a destination namespace';
        throw new MappingError(repository, `cannot map repository "${repository}": the destination "${mapped}" has ${result.length} path ` +
            `component(s) but this destination accepts only namespace/name; ${hint}`);
    }
    return mapped;
}


/***/ }),

/***/ 4537:
/***/ ((__unused_webpack_module, exports) => {


/**
 * Every secret ferry reads or derives (passwords, base64 basic blobs, bearer tokens) is
 * registered here before it can reach a log line. The action wires `setMasker` to
 * `core.setSecret`; `redact` scrubs known secrets from any text ferry prints or reports.
 */
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.setMasker = setMasker;
exports.registerSecret = registerSecret;
exports.redact = redact;
const secrets = new Set();
let masker;
function setMasker(fn) {
    masker = fn;
    if (fn)
        for (const s of secrets)
            fn(s);
}
function registerSecret(value) {
    if (!value || value.length < 4 || secrets.has(value))
        return;
    secrets.add(value);
    masker?.(value);
}
function redact(text) {
    let out = text;
    for (const s of secrets)
        if (out.includes(s))
            out = out.split(s).join('***');
    return out;
}


/***/ })

};
