export const id = 750;
export const ids = [750];
export const modules = {

/***/ 671:
/***/ ((__unused_webpack_module, exports) => {


/** Bandwidth caps as people write them: `50MiB/s`, `10MB/s`, `500KiB/s`, `100Mbps`, `-1` (unlimited). */
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.parseBandwidth = parseBandwidth;
const BYTE_UNITS = {
    B: 1,
    KB: 1e3,
    kB: 1e3,
    MB: 1e6,
    GB: 1e9,
    TB: 1e12,
    KiB: 1024,
    MiB: 1024 ** 2,
    GiB: 1024 ** 3,
    TiB: 1024 ** 4,
};
const BIT_UNITS = { k: 1e3, K: 1e3, M: 1e6, G: 1e9 };
/**
 * Bytes per second for a bandwidth setting; `Infinity` for unlimited (`-1`, `"-1"`, `"unlimited"`);
 * undefined when the text is not a bandwidth (including bare positive numbers, which are ambiguous:
 * Harbor counted Kbps).
 */
function parseBandwidth(s) {
    if (typeof s === 'number')
        return s === -1 ? Number.POSITIVE_INFINITY : undefined;
    const text = s.trim();
    if (text === '-1' || text.toLowerCase() === 'unlimited')
        return Number.POSITIVE_INFINITY;
    let m = /^([0-9]+(?:\.[0-9]+)?)\s*([kKMGT]?B|[KMGT]iB)(?:\/s)?$/.exec(text);
    if (m) {
        const unit = BYTE_UNITS[m[2]];
        const value = Number(m[1]) * (unit ?? Number.NaN);
        return value > 0 && Number.isFinite(value) ? Math.round(value) : undefined;
    }
    m = /^([0-9]+(?:\.[0-9]+)?)\s*([kKMG])(?:bps|bit\/s)$/.exec(text);
    if (m) {
        const value = (Number(m[1]) * BIT_UNITS[m[2]]) / 8;
        return value > 0 && Number.isFinite(value) ? Math.round(value) : undefined;
    }
    return undefined;
}


/***/ }),

/***/ 7827:
/***/ ((__unused_webpack_module, exports) => {


/** Diagnostics produced while loading replication.yaml, and how they are printed. */
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.ConfigError = void 0;
exports.formatDiagnostic = formatDiagnostic;
exports.sortDiagnostics = sortDiagnostics;
exports.levenshtein = levenshtein;
exports.suggest = suggest;
exports.oneOfList = oneOfList;
/** `file:line:col: path: message`; warnings read `file:line:col: warning: path: message`. */
function formatDiagnostic(d) {
    const where = `${d.file}:${d.line}:${d.column}: `;
    const level = d.severity === 'warning' ? 'warning: ' : '';
    const path = d.path ? `${d.path}: ` : '';
    return `${where}${level}${path}${d.message}`;
}
/** Thrown by loadConfig when the file has errors. `diagnostics` holds errors and warnings, in file order. */
class ConfigError extends Error {
    diagnostics;
    constructor(diagnostics) {
        const errors = diagnostics.filter((d) => d.severity === 'error');
        super(errors.map(formatDiagnostic).join('\n'));
        this.name = 'ConfigError';
        this.diagnostics = diagnostics;
    }
}
exports.ConfigError = ConfigError;
/** Errors first by position, then warnings interleaved by position too: plain file order. */
function sortDiagnostics(list) {
    const seen = new Set();
    const out = [];
    for (const d of list) {
        const key = `${d.severity}|${d.line}|${d.column}|${d.path}|${d.message}`;
        if (seen.has(key))
            continue;
        seen.add(key);
        out.push(d);
    }
    // Array.prototype.sort is stable: diagnostics at the same place keep the order they were found in.
    return out.sort((a, b) => a.line - b.line || a.column - b.column);
}
function levenshtein(a, b) {
    const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
        let diag = prev[0];
        prev[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const tmp = prev[j];
            prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
            diag = tmp;
        }
    }
    return prev[b.length];
}
/** The closest candidate if it is close enough to be a likely typo. */
function suggest(word, candidates) {
    const squash = (s) => s.toLowerCase().replace(/[-_\s]/g, '');
    let best;
    let bestScore = Number.POSITIVE_INFINITY;
    for (const c of candidates) {
        if (squash(c) === squash(word))
            return c;
        if (c.length >= 4 && squash(word).startsWith(squash(c)))
            return c; // "Event Based" → event
        const d = levenshtein(word.toLowerCase(), c.toLowerCase());
        if (d < bestScore) {
            best = c;
            bestScore = d;
        }
    }
    const limit = Math.max(2, Math.floor(word.length / 3));
    return bestScore <= limit ? best : undefined;
}
/** `a, b or c` */
function oneOfList(items) {
    if (items.length <= 1)
        return items.join('');
    return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}


/***/ }),

/***/ 9750:
/***/ ((__unused_webpack_module, exports, __webpack_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.destinationRepository = exports.cronProblem = exports.replicationSchema = exports.parseConfig = exports.loadConfig = exports.formatPath = exports.formatDiagnostic = exports.ConfigError = exports.parseBandwidth = void 0;
/** Loading and checking replication.yaml. */
var bandwidth_js_1 = __webpack_require__(671);
Object.defineProperty(exports, "parseBandwidth", ({ enumerable: true, get: function () { return bandwidth_js_1.parseBandwidth; } }));
var errors_js_1 = __webpack_require__(7827);
Object.defineProperty(exports, "ConfigError", ({ enumerable: true, get: function () { return errors_js_1.ConfigError; } }));
Object.defineProperty(exports, "formatDiagnostic", ({ enumerable: true, get: function () { return errors_js_1.formatDiagnostic; } }));
var load_js_1 = __webpack_require__(1036);
Object.defineProperty(exports, "formatPath", ({ enumerable: true, get: function () { return load_js_1.formatPath; } }));
Object.defineProperty(exports, "loadConfig", ({ enumerable: true, get: function () { return load_js_1.loadConfig; } }));
Object.defineProperty(exports, "parseConfig", ({ enumerable: true, get: function () { return load_js_1.parseConfig; } }));
var schema_js_1 = __webpack_require__(131);
Object.defineProperty(exports, "replicationSchema", ({ enumerable: true, get: function () { return schema_js_1.replicationSchema; } }));
var semantic_js_1 = __webpack_require__(108);
Object.defineProperty(exports, "cronProblem", ({ enumerable: true, get: function () { return semantic_js_1.cronProblem; } }));
Object.defineProperty(exports, "destinationRepository", ({ enumerable: true, get: function () { return semantic_js_1.destinationRepository; } }));


/***/ }),

/***/ 1036:
/***/ ((__unused_webpack_module, exports, __webpack_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.YamlSource = void 0;
exports.formatPath = formatPath;
exports.parseConfig = parseConfig;
exports.loadConfig = loadConfig;
/**
 * Reading replication.yaml: YAML with positions kept, then schema, normalisation and semantic
 * checks, every problem reported as `file:line:col: path: message`, in file order.
 */
const promises_1 = __webpack_require__(1455);
const yaml_1 = __webpack_require__(8815);
const errors_js_1 = __webpack_require__(7827);
const normalize_js_1 = __webpack_require__(9137);
const schema_js_1 = __webpack_require__(131);
const semantic_js_1 = __webpack_require__(108);
/** `rules[0].filters.tag`, `registries["my.registry"]`. */
function formatPath(path) {
    let out = '';
    for (const seg of path) {
        if (typeof seg === 'number')
            out += `[${seg}]`;
        else if (/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(seg))
            out += out ? `.${seg}` : seg;
        else
            out += `[${JSON.stringify(seg)}]`;
    }
    return out;
}
/** Finds where a path of keys/indexes lives in the parsed YAML document. */
class YamlSource {
    doc;
    lines;
    constructor(doc, lines) {
        this.doc = doc;
        this.lines = lines;
    }
    pos(offset) {
        const { line, col } = this.lines.linePos(offset);
        return { line, column: col };
    }
    deref(node) {
        return (0, yaml_1.isAlias)(node) ? node.resolve(this.doc) : node;
    }
    /** The key and value nodes at `path`; for a path that goes missing, the deepest node found. */
    walk(path) {
        let node = this.doc.contents;
        let key = null;
        for (const seg of path) {
            node = this.deref(node);
            let next;
            let nextKey = null;
            if ((0, yaml_1.isMap)(node)) {
                const pair = node.items.find((p) => (0, yaml_1.isScalar)(p.key) && String(p.key.value) === String(seg));
                if (pair) {
                    next = pair.value;
                    nextKey = (0, yaml_1.isNode)(pair.key) ? pair.key : null;
                    if (next === null || next === undefined)
                        return { node: nextKey, key: nextKey, complete: true };
                }
            }
            else if ((0, yaml_1.isSeq)(node) && typeof seg === 'number') {
                next = node.items[seg];
            }
            if (next === undefined || !(0, yaml_1.isNode)(next))
                return { node: node, key, complete: false };
            node = next;
            key = nextKey;
        }
        return { node: node ?? null, key, complete: true };
    }
    /** Position of the value at `path` (or of its key when `at` is 'key'); falls back to the nearest parent. */
    locate(path, at = 'value') {
        const { node, key, complete } = this.walk(path);
        const target = complete && at === 'key' && key ? key : node;
        const offset = target?.range?.[0];
        return offset === undefined ? { line: 1, column: 1 } : this.pos(offset);
    }
    /** Whether the file itself sets `path` (as opposed to a default). */
    has(path) {
        return this.walk(path).complete;
    }
    /** The path of the innermost node that contains `offset`, for YAML errors. */
    pathAt(offset) {
        const path = [];
        let node = this.doc.contents;
        for (;;) {
            if ((0, yaml_1.isMap)(node)) {
                const pair = node.items.find((p) => {
                    const start = (0, yaml_1.isNode)(p.key) ? p.key.range?.[0] : undefined;
                    const end = (0, yaml_1.isNode)(p.value) ? p.value.range?.[2] : (0, yaml_1.isNode)(p.key) ? p.key.range?.[2] : undefined;
                    return start !== undefined && end !== undefined && offset >= start && offset < end;
                });
                if (!pair || !(0, yaml_1.isScalar)(pair.key))
                    return path;
                path.push(String(pair.key.value));
                node = pair.value;
            }
            else if ((0, yaml_1.isSeq)(node)) {
                const i = node.items.findIndex((n) => (0, yaml_1.isNode)(n) && !!n.range && offset >= n.range[0] && (offset < n.range[2] || n.range[0] === n.range[2]));
                if (i < 0)
                    return path;
                path.push(i);
                node = node.items[i];
            }
            else {
                return path;
            }
        }
    }
}
exports.YamlSource = YamlSource;
function firstLine(message) {
    return message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}
const YAML_MESSAGES = {
    MULTIPLE_DOCS: 'expected a single YAML document; remove the extra `---`',
    TAB_AS_INDENT: 'tabs are not allowed for indentation in YAML; indent with spaces',
};
/** Syntax errors, duplicate keys, unresolved aliases and tags: everything wrong before any schema. */
function yamlProblems(src, text, file) {
    const out = [];
    const add = (offset, message, path = src.pathAt(offset)) => {
        out.push({ file, ...src.pos(offset), path: formatPath(path), message, severity: 'error' });
    };
    const errorAt = new Set();
    for (const e of src.doc.errors) {
        if (errorAt.has(e.pos[0]))
            continue; // one syntax error per place: the rest are consequences
        errorAt.add(e.pos[0]);
        const msg = YAML_MESSAGES[e.code] ?? `YAML syntax error: ${firstLine(e.message)}`;
        add(e.pos[0], msg, []);
    }
    for (const w of src.doc.warnings) {
        if (w.code === 'TAG_RESOLVE_FAILED') {
            const tag = text.slice(w.pos[0]).match(/^![^\s,\]}]*/)?.[0] ?? '!';
            add(w.pos[0], `${tag} is read as a YAML tag because it starts with "!"; quote it: "${tag}"`);
        }
    }
    if (src.doc.errors.length > 0)
        return out;
    (0, yaml_1.visit)(src.doc, {
        Map(_key, map, ancestors) {
            const seen = new Map();
            for (const pair of map.items) {
                if (!(0, yaml_1.isScalar)(pair.key))
                    continue;
                const k = String(pair.key.value);
                const at = pair.key.range?.[0] ?? 0;
                const first = seen.get(k);
                if (first !== undefined) {
                    const parentPath = src.pathAt(map.range?.[0] ?? 0);
                    // pathAt finds the innermost node containing the map's start; trim to the map itself.
                    void ancestors;
                    add(at, `duplicate key "${k}"; it is already set at line ${src.pos(first).line}`, [
                        ...trimToMap(src, parentPath, map),
                        k,
                    ]);
                }
                else {
                    seen.set(k, at);
                }
            }
        },
        Alias(_key, alias) {
            if (alias.resolve(src.doc) === undefined) {
                const at = alias.range?.[0] ?? 0;
                const raw = `*${alias.source}`;
                add(at, `${raw} is read as a YAML alias because it starts with "*"; quote it: "${raw}"`);
            }
        },
    });
    return out;
}
/** The path of a given map node (pathAt may descend into its first key). */
function trimToMap(src, path, map) {
    for (let n = path.length; n >= 0; n--) {
        const prefix = path.slice(0, n);
        const here = n === 0 ? src.doc.contents : nodeAt(src, prefix);
        if (here === map)
            return prefix;
    }
    return [];
}
function nodeAt(src, path) {
    let node = src.doc.contents;
    for (const seg of path) {
        if ((0, yaml_1.isMap)(node)) {
            const pair = node.items.find((p) => (0, yaml_1.isPair)(p) && (0, yaml_1.isScalar)(p.key) && String(p.key.value) === String(seg));
            node = pair?.value;
        }
        else if ((0, yaml_1.isSeq)(node) && typeof seg === 'number')
            node = node.items[seg];
        else
            return undefined;
    }
    return node;
}
/** Parse and check replication.yaml text. Pure: no I/O. `config` is set only when there are no errors. */
function parseConfig(text, file) {
    const lines = new yaml_1.LineCounter();
    const doc = (0, yaml_1.parseDocument)(text, {
        lineCounter: lines,
        uniqueKeys: false,
        merge: true,
        prettyErrors: false,
    });
    const src = new YamlSource(doc, lines);
    const yamlIssues = yamlProblems(src, text, file);
    if (yamlIssues.length > 0)
        return { diagnostics: (0, errors_js_1.sortDiagnostics)(yamlIssues) };
    if (doc.contents === null || ((0, yaml_1.isScalar)(doc.contents) && doc.contents.value === null)) {
        return {
            diagnostics: [
                {
                    file,
                    line: 1,
                    column: 1,
                    path: '',
                    message: 'the file is empty; expected version, registries and rules',
                    severity: 'error',
                },
            ],
        };
    }
    const data = doc.toJS({ maxAliasCount: 1000 });
    const diagnostics = [];
    const schemaIssues = (0, schema_js_1.validateSchema)(data);
    for (const issue of schemaIssues) {
        diagnostics.push({
            file,
            ...src.locate(issue.path, issue.at),
            path: formatPath(issue.path),
            message: issue.message,
            severity: 'error',
        });
    }
    // Parts with schema errors are left out of normalisation and semantic checks, so one mistake
    // does not cause a cascade of confusing follow-on messages.
    const broken = schemaIssues.map((i) => formatPath(i.path));
    const isBroken = (path) => {
        const p = formatPath(path);
        return broken.some((b) => b === p || b.startsWith(`${p}.`) || b.startsWith(`${p}[`) || p.startsWith(`${b}.`));
    };
    const normal = (0, normalize_js_1.normalize)(data, file, { isBroken, line: (path) => src.locate(path, 'key').line });
    for (const issue of (0, semantic_js_1.checkSemantics)(normal, { isBroken, has: (path) => src.has(path) })) {
        diagnostics.push({
            file,
            ...src.locate(issue.path, issue.at ?? 'value'),
            path: formatPath(issue.path),
            message: issue.message,
            severity: issue.severity ?? 'error',
        });
    }
    const sorted = (0, errors_js_1.sortDiagnostics)(diagnostics);
    if (sorted.some((d) => d.severity === 'error') || !normal.complete)
        return { diagnostics: sorted };
    return { config: normal.config, diagnostics: sorted };
}
/** Read and check a rules file; throws ConfigError listing every error. Warnings are returned. */
async function loadConfig(file) {
    let text;
    try {
        text = await (0, promises_1.readFile)(file, 'utf8');
    }
    catch (err) {
        const reason = err.code === 'ENOENT' ? 'file not found' : err.message;
        throw new errors_js_1.ConfigError([
            {
                file,
                line: 1,
                column: 1,
                path: '',
                message: `cannot read the rules file: ${reason}`,
                severity: 'error',
            },
        ]);
    }
    const { config, diagnostics } = parseConfig(text, file);
    if (!config)
        throw new errors_js_1.ConfigError(diagnostics);
    return { config, warnings: diagnostics.filter((d) => d.severity === 'warning') };
}


/***/ }),

/***/ 9137:
/***/ ((__unused_webpack_module, exports, __webpack_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.DEFAULT_URLS = exports.DEFAULT_CONCURRENCY = exports.DEFAULT_DELETE_MAX = void 0;
exports.normalizeUrl = normalizeUrl;
exports.flatteningValue = flatteningValue;
exports.deleteRemote = deleteRemote;
exports.triggers = triggers;
exports.effective = effective;
exports.normalize = normalize;
/**
 * YAML data (already checked against the schema) → the typed Config, with defaults applied.
 * Works part by part: a registry or rule with schema errors is left out (and `complete` is false),
 * so semantic checks can still run on everything else.
 */
const node_path_1 = __webpack_require__(6760);
const bandwidth_js_1 = __webpack_require__(671);
exports.DEFAULT_DELETE_MAX = 50;
exports.DEFAULT_CONCURRENCY = 4;
/** Well-known endpoints used when a registry of these types has no url. */
exports.DEFAULT_URLS = {
    dockerhub: 'https://hub.docker.com',
    ghcr: 'https://ghcr.io',
    quay: 'https://quay.io',
};
const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const list = (v) => v === undefined || v === null ? [] : Array.isArray(v) ? v.map(String) : [String(v)];
function relativeTo(file, p) {
    if ((0, node_path_1.isAbsolute)(p) || p.startsWith('~'))
        return p;
    return (0, node_path_1.join)((0, node_path_1.dirname)(file), p);
}
function secretRef(file, v) {
    if (!isObj(v))
        return undefined;
    if (typeof v.env === 'string')
        return { env: v.env };
    if (typeof v.file === 'string')
        return { file: relativeTo(file, v.file) };
    if (v.docker_config === true)
        return { dockerConfig: true };
    if (typeof v.docker_config === 'string')
        return { dockerConfig: relativeTo(file, v.docker_config) };
    return undefined;
}
function credentials(file, v) {
    if (!isObj(v))
        return undefined;
    const out = {};
    if (v.docker_config !== undefined) {
        const ref = v.docker_config === true ? { dockerConfig: true } : { dockerConfig: relativeTo(file, String(v.docker_config)) };
        out.username = ref;
        out.password = ref;
    }
    if (typeof v.username === 'string')
        out.username = { value: v.username };
    else if (v.username !== undefined)
        out.username = secretRef(file, v.username);
    if (v.password !== undefined)
        out.password = secretRef(file, v.password);
    if (v.token !== undefined)
        out.token = secretRef(file, v.token);
    return out;
}
/** https://Host:443/ → https://host (lower-case host, no trailing slash, default port dropped). */
function normalizeUrl(url) {
    try {
        const u = new URL(url);
        const port = u.port && !((u.protocol === 'https:' && u.port === '443') || (u.protocol === 'http:' && u.port === '80'));
        return `${u.protocol}//${u.hostname.toLowerCase()}${port ? `:${u.port}` : ''}`;
    }
    catch {
        return url.replace(/\/+$/, '');
    }
}
function registry(file, name, v, line) {
    const type = v.type;
    const reg = { name, type, tls: { verify: true }, line };
    const url = typeof v.url === 'string' ? v.url : type === 'oci-layout' ? undefined : exports.DEFAULT_URLS[type];
    if (url !== undefined && type !== 'oci-layout')
        reg.url = normalizeUrl(url);
    if (typeof v.path === 'string')
        reg.path = relativeTo(file, v.path);
    const creds = credentials(file, v.credentials);
    if (creds)
        reg.credentials = creds;
    if (isObj(v.tls)) {
        if (typeof v.tls.verify === 'boolean')
            reg.tls.verify = v.tls.verify;
        const ca = isObj(v.tls.ca) ? v.tls.ca.file : v.tls.ca;
        if (typeof ca === 'string')
            reg.tls.caFile = relativeTo(file, ca);
    }
    if (Array.isArray(v.repositories))
        reg.repositories = v.repositories.map(String);
    if (isObj(v.options))
        reg.options = { ...v.options };
    return reg;
}
function flatteningValue(v) {
    if (v === 'all')
        return -1;
    return typeof v === 'number' ? v : 1;
}
function filters(v) {
    const f = isObj(v) ? v : {};
    const out = {
        name: list(f.name),
        tag: list(f.tag),
        labels: isObj(f.labels) ? Object.fromEntries(Object.entries(f.labels).map(([k, x]) => [k, String(x)])) : {},
        resource: f.resource ?? 'image',
    };
    if (typeof f.semver === 'string')
        out.semver = f.semver;
    if (typeof f.latest === 'number')
        out.latest = f.latest;
    return out;
}
function deleteRemote(v) {
    if (v === true)
        return { enabled: true, max: exports.DEFAULT_DELETE_MAX, acknowledgeMatchAll: false };
    if (isObj(v)) {
        return {
            enabled: v.enabled !== false,
            max: typeof v.max === 'number' ? v.max : exports.DEFAULT_DELETE_MAX,
            acknowledgeMatchAll: v.acknowledge_match_all === true,
        };
    }
    return { enabled: false, max: exports.DEFAULT_DELETE_MAX, acknowledgeMatchAll: false };
}
function triggers(v) {
    const items = v === undefined ? ['manual'] : Array.isArray(v) ? v : [v];
    const out = [];
    const seen = new Set();
    for (const t of items) {
        const trig = t === 'manual' || t === 'event'
            ? { kind: t }
            : isObj(t) && typeof t.schedule === 'string'
                ? { kind: 'schedule', cron: t.schedule.trim().replace(/\s+/g, ' ') }
                : undefined;
        if (!trig)
            continue;
        const key = trig.kind === 'schedule' ? `schedule ${trig.cron}` : trig.kind;
        if (seen.has(key))
            continue;
        seen.add(key);
        out.push(trig);
    }
    return out;
}
/** The rule's own value for a key, else the default's. Filters merge per filter key. */
function effective(raw, defaults, key) {
    if (key === 'filters') {
        const d = isObj(defaults.filters) ? defaults.filters : {};
        const r = isObj(raw.filters) ? raw.filters : {};
        return { ...d, ...r };
    }
    return raw[key] !== undefined ? raw[key] : defaults[key];
}
function rule(raw, defaults, line) {
    const get = (key) => effective(raw, defaults, key);
    const out = {
        name: String(raw.name),
        enabled: get('enabled') !== false,
        source: String(raw.source),
        destination: String(raw.destination),
        filters: filters(get('filters')),
        flattening: flatteningValue(get('flattening')),
        override: get('override') !== false,
        deleteRemote: deleteRemote(get('delete_remote')),
        triggers: triggers(get('trigger')),
        concurrency: typeof get('concurrency') === 'number' ? get('concurrency') : exports.DEFAULT_CONCURRENCY,
        platforms: list(get('platforms')),
        referrers: get('referrers') !== false,
        line,
    };
    if (typeof raw.description === 'string')
        out.description = raw.description;
    const ns = get('destination_namespace');
    if (typeof ns === 'string')
        out.destinationNamespace = ns;
    const bw = get('bandwidth');
    if (bw !== undefined) {
        const bytes = (0, bandwidth_js_1.parseBandwidth)(bw);
        if (bytes !== undefined && Number.isFinite(bytes))
            out.bandwidth = bytes;
    }
    return out;
}
function normalize(data, file, ctx) {
    const root = isObj(data) ? data : {};
    const registries = new Map();
    let complete = !ctx.isBroken([]);
    const regs = isObj(root.registries) ? root.registries : {};
    for (const [name, v] of Object.entries(regs)) {
        if (ctx.isBroken(['registries', name]) || !isObj(v)) {
            complete = false;
            continue;
        }
        registries.set(name, registry(file, name, v, ctx.line(['registries', name])));
    }
    let defaults = {};
    if (isObj(root.defaults)) {
        if (ctx.isBroken(['defaults']))
            complete = false;
        else
            defaults = root.defaults;
    }
    const rules = [];
    const rawRules = Array.isArray(root.rules) ? root.rules : [];
    rawRules.forEach((raw, index) => {
        if (ctx.isBroken(['rules', index]) || !isObj(raw)) {
            complete = false;
            return;
        }
        rules.push({ rule: rule(raw, defaults, ctx.line(['rules', index])), index, raw });
    });
    return {
        config: { file, version: 1, registries, rules: rules.map((r) => r.rule) },
        complete,
        registryNames: Object.keys(regs),
        rawRegistries: regs,
        rules,
        defaults,
        file,
    };
}


/***/ }),

/***/ 131:
/***/ (function(__unused_webpack_module, exports, __webpack_require__) {


var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.replicationSchema = void 0;
exports.literalSecretMessage = literalSecretMessage;
exports.unknownKeyMessage = unknownKeyMessage;
exports.validateSchema = validateSchema;
/**
 * JSON Schema validation of replication.yaml (schema/replication.schema.json, draft 2020-12, ajv),
 * with ajv's errors turned into the sentences a person reads.
 *
 * The schema avoids oneOf/anyOf (whose failures are a pile of errors from every branch) in favour of
 * `type: [...]` + if/then/else, so each failure is one precise error. Nodes may carry `x-error`: a
 * message (or a map keyword → message) that replaces the generic wording for failures of that value.
 */
const _2020_js_1 = __webpack_require__(2210);
const replication_schema_json_1 = __importDefault(__webpack_require__(6301));
const errors_js_1 = __webpack_require__(7827);
exports.replicationSchema = replication_schema_json_1.default;
let compiled;
function validator() {
    if (!compiled) {
        const ajv = new _2020_js_1.Ajv2020({
            allErrors: true,
            verbose: true,
            strict: true,
            strictTypes: false,
            allowUnionTypes: true,
        });
        indexSchema(exports.replicationSchema);
        ajv.addKeyword({ keyword: 'x-error', schemaType: ['string', 'object'] });
        compiled = ajv.compile(exports.replicationSchema);
    }
    return compiled;
}
function decodePointer(pointer) {
    if (pointer === '' || pointer === '#')
        return [];
    return pointer
        .replace(/^#/, '')
        .split('/')
        .slice(1)
        .map((s) => decodeURIComponent(s).replace(/~1/g, '/').replace(/~0/g, '~'));
}
function instanceSegments(instancePath, data) {
    const out = [];
    let cur = data;
    for (const raw of decodePointer(instancePath)) {
        const seg = Array.isArray(cur) && /^\d+$/.test(raw) ? Number(raw) : raw;
        out.push(seg);
        cur = cur !== null && typeof cur === 'object' ? cur[seg] : undefined;
    }
    return out;
}
function valueAt(data, path) {
    let cur = data;
    for (const seg of path) {
        if (cur === null || typeof cur !== 'object')
            return undefined;
        cur = cur[seg];
    }
    return cur;
}
const SCHEMA_MAPS = ['$defs', 'properties', 'patternProperties', 'dependentSchemas'];
const SCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf', 'prefixItems'];
const SCHEMA_ONE = ['items', 'additionalProperties', 'propertyNames', 'if', 'then', 'else', 'not', 'contains'];
/** Keywords whose sub-schema applies to a child of the instance, not the instance itself. */
const INSTANCE_STEP = new Set(['properties', 'patternProperties', 'items', 'prefixItems', 'additionalProperties']);
/** For every schema object: the schema that contains it, unless that link moves to another value. */
const sameValueParent = new WeakMap();
function indexSchema(node) {
    const link = (child, keyword) => {
        if (!child || typeof child !== 'object' || Array.isArray(child))
            return;
        if (!INSTANCE_STEP.has(keyword) && keyword !== '$defs')
            sameValueParent.set(child, node);
        indexSchema(child);
    };
    for (const k of SCHEMA_MAPS) {
        const m = node[k];
        if (m && typeof m === 'object')
            for (const child of Object.values(m))
                link(child, k);
    }
    for (const k of SCHEMA_LISTS) {
        const l = node[k];
        if (Array.isArray(l))
            for (const child of l)
                link(child, k);
    }
    for (const k of SCHEMA_ONE)
        link(node[k], k);
}
/**
 * The `x-error` that speaks for a failing keyword: on the schema holding the keyword or the nearest
 * enclosing schema that still describes the same value (if/then/else, allOf...: not properties/items).
 */
function customMessage(parentSchema, keyword) {
    let node = parentSchema;
    while (node) {
        const x = node['x-error'];
        if (typeof x === 'string')
            return x;
        if (x && typeof x === 'object') {
            const m = x[keyword];
            if (typeof m === 'string')
                return m;
        }
        node = sameValueParent.get(node);
    }
    return undefined;
}
const TYPE_WORDS = {
    string: 'a string',
    integer: 'a whole number',
    number: 'a number',
    boolean: 'true or false',
    object: 'a map',
    array: 'a list',
    null: 'nothing',
};
function describe(value) {
    if (value === null || value === undefined)
        return 'nothing (an empty value)';
    if (Array.isArray(value))
        return 'a list';
    if (typeof value === 'object')
        return 'a map';
    if (typeof value === 'boolean')
        return value ? 'true' : 'false';
    if (typeof value === 'number')
        return Number.isInteger(value) ? 'a whole number' : 'a number';
    return 'a string';
}
/** Message for a literal where a secret reference belongs; never repeats the value. */
function literalSecretMessage(value) {
    const base = 'a literal secret is not allowed here; reference it with { env: NAME }, { file: path } or { docker_config: true }';
    if (typeof value === 'string') {
        if (/\$\{\{/.test(value)) {
            return 'GitHub expressions are not evaluated in this file; pass the secret to the step in `env:` and reference it with { env: NAME }';
        }
        const m = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(value.trim());
        if (m)
            return `environment variables are not expanded in this file; write { env: ${m[1]} }`;
        return base;
    }
    return `expected a reference like { env: NAME }, { file: path } or { docker_config: true }, got ${describe(value)}`;
}
function humanise(e, value) {
    const custom = customMessage(e.parentSchema, e.keyword);
    if (custom === '@literal-secret')
        return literalSecretMessage(value);
    const p = e.params;
    if (custom && e.keyword === 'type')
        return `${custom}, got ${describe(value)}`;
    if (custom && e.keyword === 'enum' && typeof value === 'string') {
        if (/^schedul/i.test(value.trim()))
            return `${custom}; a schedule is written { schedule: "0 2 * * *" }`;
        const hint = (0, errors_js_1.suggest)(value, p.allowedValues.map(String));
        return hint ? `${custom} (did you mean "${hint}"?)` : custom;
    }
    if (custom)
        return custom;
    switch (e.keyword) {
        case 'type': {
            const types = String(p.type).split(',');
            const words = types.map((t) => TYPE_WORDS[t] ?? t);
            return `expected ${(0, errors_js_1.oneOfList)(words)}, got ${describe(value)}`;
        }
        case 'enum': {
            const allowed = p.allowedValues.map(String);
            const hint = typeof value === 'string' ? (0, errors_js_1.suggest)(value, allowed) : undefined;
            return `expected one of: ${allowed.join(', ')}${hint ? ` (did you mean "${hint}"?)` : ''}`;
        }
        case 'const':
            return `expected ${JSON.stringify(p.allowedValue)}`;
        case 'minimum':
            return `expected ${p.limit} or more`;
        case 'maximum':
            return `expected ${p.limit} or less`;
        case 'minLength':
            return 'must not be empty';
        case 'minItems':
            return p.limit === 1 ? 'must not be an empty list' : `expected at least ${p.limit} items`;
        case 'minProperties':
            return 'must not be empty';
        case 'maxProperties':
            return `expected at most ${p.limit} keys`;
        case 'pattern':
            return `does not match ${String(p.pattern)}`;
        default:
            return e.message ?? 'is not valid';
    }
}
function allowedKeys(parentSchema) {
    const props = parentSchema?.properties;
    return props && typeof props === 'object' ? Object.keys(props).filter((k) => k !== '$schema') : [];
}
/** Keys a rule has that `defaults` cannot default. */
const RULE_ONLY = new Set(['name', 'source', 'destination', 'description']);
function unknownKeyMessage(key, allowed, parentPath) {
    if (parentPath.length === 1 && parentPath[0] === 'defaults' && RULE_ONLY.has(key)) {
        return `"${key}" cannot be set in defaults; set it on each rule`;
    }
    const hint = (0, errors_js_1.suggest)(key, allowed);
    if (hint)
        return `unknown key "${key}", did you mean "${hint}"?`;
    if (allowed.length === 1)
        return `unknown key "${key}"; expected ${allowed[0]}`;
    return `unknown key "${key}"; expected one of: ${allowed.join(', ')}`;
}
/** Validate plain data (from YAML) against the schema. Issues come in ajv's order; the caller sorts by position. */
function validateSchema(data) {
    const validate = validator();
    if (validate(data))
        return [];
    const issues = [];
    const valueDone = new Set();
    const errors = validate.errors ?? [];
    // A misspelt required key shows up twice: as unknown and as missing. Say it once, as unknown.
    const explained = new Set();
    const missing = new Map();
    for (const e of errors) {
        if (e.keyword !== 'additionalProperties')
            continue;
        const allowed = allowedKeys(e.parentSchema);
        const key = String(e.params.additionalProperty);
        const hint = allowed.length === 1 ? allowed[0] : (0, errors_js_1.suggest)(key, allowed);
        if (hint)
            explained.add(`${e.instancePath}|${hint}`);
    }
    for (const e of errors) {
        if (e.keyword === 'if')
            continue; // the branch's own error says what is wrong
        const path = instanceSegments(e.instancePath, data);
        const p = e.params;
        if (e.keyword === 'additionalProperties') {
            const key = String(p.additionalProperty);
            issues.push({
                path: [...path, key],
                at: 'key',
                message: unknownKeyMessage(key, allowedKeys(e.parentSchema), path),
            });
            continue;
        }
        if (e.keyword === 'required') {
            const key = String(p.missingProperty);
            if (explained.has(`${e.instancePath}|${key}`))
                continue;
            const prev = missing.get(e.instancePath);
            if (prev) {
                prev.keys.push(key);
                prev.issue.message = `missing required keys ${(0, errors_js_1.oneOfList)(prev.keys.map((k) => `"${k}"`)).replace(/ or /, ' and ')}`;
            }
            else {
                const issue = { path, at: 'value', message: `missing required key "${key}"` };
                missing.set(e.instancePath, { keys: [key], issue });
                issues.push(issue);
            }
            continue;
        }
        if (e.keyword === 'propertyNames')
            continue; // reported through the nested pattern error below
        if (e.propertyName !== undefined) {
            const key = e.propertyName;
            const msg = customMessage(e.parentSchema, e.keyword) ?? `invalid key "${key}"`;
            issues.push({ path: [...path, key], at: 'key', message: `${msg}, got "${key}"` });
            continue;
        }
        const id = path.join('\u0000');
        if (valueDone.has(id))
            continue; // one message per value is enough
        valueDone.add(id);
        issues.push({ path, at: 'value', message: humanise(e, valueAt(data, path)) });
    }
    return issues;
}


/***/ }),

/***/ 108:
/***/ (function(__unused_webpack_module, exports, __webpack_require__) {


var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.destinationRepository = destinationRepository;
exports.cronProblem = cronProblem;
exports.checkSemantics = checkSemantics;
/**
 * Checks the schema cannot express: references between registries and rules, secrets, Docker Hub's
 * two-level names, cron, Harbor's flattening, self-replication, deletion safety, bandwidth.
 * Conservative: an error here means the rule would certainly misbehave.
 */
const croner_1 = __webpack_require__(2912);
const semver_1 = __importDefault(__webpack_require__(2088));
const bandwidth_js_1 = __webpack_require__(671);
const errors_js_1 = __webpack_require__(7827);
const normalize_js_1 = __webpack_require__(9137);
const schema_js_1 = __webpack_require__(131);
const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
/** Glob characters: a name filter without them names exactly one repository. */
const GLOB = /[*?[\]{}!]/;
/** Harbor's mapping: destination namespace + the source path with `flattening` leading levels dropped. */
function destinationRepository(source, namespace, flattening) {
    if (!namespace)
        return source;
    const parts = source.split('/');
    const drop = flattening < 0 ? parts.length - 1 : Math.min(flattening, parts.length - 1);
    return `${namespace}/${parts.slice(drop).join('/')}`;
}
/** Problem with a cron as GitHub Actions runs it (5 fields, UTC), or undefined. */
function cronProblem(expr) {
    const text = expr.trim();
    if (text.startsWith('@')) {
        return {
            message: `GitHub Actions cron has no ${text.split(/\s/)[0]} shortcut; write 5 fields, like "0 2 * * *"`,
            severity: 'error',
        };
    }
    const fields = text.split(/\s+/).filter(Boolean);
    if (fields.length !== 5) {
        return {
            message: `expected 5 cron fields (minute hour day-of-month month day-of-week) as GitHub Actions uses, got ${fields.length}: "${text}"`,
            severity: 'error',
        };
    }
    if (/[?#]/.test(text) || /(^|[\d,])[LW]($|[,\s])|\dW|\dL/.test(`${fields[2]} ${fields[4]}`)) {
        return {
            message: `GitHub Actions cron does not support "?", "L", "W" or "#": "${text}"`,
            severity: 'error',
        };
    }
    let cron;
    try {
        cron = new croner_1.Cron(text, { paused: true });
    }
    catch (err) {
        const reason = err.message.replace(/^CronPattern:\s*/, '');
        return {
            message: `invalid cron "${text}": ${reason.charAt(0).toLowerCase()}${reason.slice(1)}`,
            severity: 'error',
        };
    }
    if (!cron.nextRun())
        return { message: `cron "${text}" never matches a date`, severity: 'error' };
    const minute = fields[0];
    const step = /^\*(?:\/(\d+))?$/.exec(minute);
    if (step && Number(step[1] ?? 1) < 5) {
        return {
            message: `"${text}" runs more often than GitHub Actions schedules can (every 5 minutes at most); the rule will run less often than this says`,
            severity: 'warning',
        };
    }
    return undefined;
}
function registryIdentity(reg) {
    return reg.type === 'oci-layout' ? `path:${reg.path ?? ''}` : `url:${reg.url ?? reg.name}`;
}
const SECRETISH = /pass(word)?|secret|token|api[_-]?key|credential/i;
function checkRegistry(reg, raw, ctx, out) {
    const base = ['registries', reg.name];
    const add = (path, message, severity = 'error') => out.push({ path: [...base, ...path], message, severity });
    if (reg.type === 'oci-layout') {
        if (raw.url !== undefined)
            add(['url'], 'an oci-layout registry is a local directory: use path, not url');
        else if (raw.path === undefined)
            add([], 'missing required key "path" (the OCI image layout directory, like ./backup)');
        if (raw.credentials !== undefined)
            add(['credentials'], 'ignored: an oci-layout directory has no credentials', 'warning');
        if (raw.tls !== undefined)
            add(['tls'], 'ignored: an oci-layout directory has no TLS', 'warning');
    }
    else {
        if (raw.path !== undefined)
            add(['path'], `path is only for type oci-layout; type ${reg.type} needs url`);
        if (raw.url === undefined && reg.url === undefined) {
            add([], `missing required key "url": the registry's address, like https://registry.example.com`);
        }
    }
    if (typeof raw.url === 'string' && reg.type !== 'oci-layout') {
        let u;
        try {
            u = new URL(raw.url);
        }
        catch {
            add(['url'], 'not a valid URL; expected https://host[:port], like https://registry.example.com');
        }
        if (u) {
            if (u.username || u.password) {
                add(['url'], 'credentials are not allowed in the URL; use credentials: { username: ..., password: { env: NAME } }');
            }
            else if ((u.pathname !== '/' && u.pathname !== '') || u.search || u.hash) {
                add(['url'], `expected only scheme and host, like ${u.protocol}//${u.host}; remove "${u.pathname}${u.search}${u.hash}"`);
            }
            if (u.protocol === 'http:' && isObj(raw.tls))
                add(['tls'], 'ignored: the URL is http://, there is no TLS', 'warning');
        }
    }
    const creds = raw.credentials;
    if (isObj(creds) && creds.docker_config === undefined) {
        const userRef = isObj(creds.username) && creds.username.docker_config !== undefined;
        if (creds.password !== undefined && creds.username === undefined) {
            add(['credentials', 'password'], 'a password needs a username: add username (a name or { env: NAME })');
        }
        if (creds.username !== undefined && creds.password === undefined && creds.token === undefined && !userRef) {
            add(['credentials', 'username'], 'a username needs a password or token: add password: { env: NAME }');
        }
    }
    if (typeof creds === 'object' &&
        isObj(creds) &&
        typeof creds.username === 'string' &&
        /^\$/.test(creds.username.trim())) {
        add(['credentials', 'username'], (0, schema_js_1.literalSecretMessage)(creds.username).replace('the secret', 'the value'));
    }
    if (reg.url && reg.repositories) {
        const host = new URL(reg.url).host;
        reg.repositories.forEach((repo, k) => {
            if (repo.split('/')[0] === host) {
                add(['repositories', k], `repositories are paths without the registry host; write "${repo.split('/').slice(1).join('/')}"`);
            }
        });
    }
    if (isObj(raw.options)) {
        for (const [k, v] of Object.entries(raw.options)) {
            if (SECRETISH.test(k) && typeof v === 'string')
                add(['options', k], (0, schema_js_1.literalSecretMessage)(v));
        }
    }
    void ctx;
}
function isMatchAll(rule) {
    const f = rule.filters;
    const allNames = f.name.length === 0 || f.name.includes('**');
    const allTags = f.tag.length === 0 || (f.tag.some((t) => t === '*' || t === '**') && !f.tag.some((t) => t.startsWith('!')));
    return allNames && allTags && Object.keys(f.labels).length === 0 && !f.semver && f.latest === undefined;
}
function tagSelection(rule) {
    const f = rule.filters;
    const tags = f.tag.length === 0 || f.tag.includes('*') || f.tag.includes('**') ? [] : [...f.tag].sort();
    const labels = Object.entries(f.labels).sort(([a], [b]) => a.localeCompare(b));
    return JSON.stringify([tags, labels, f.semver ?? null, f.latest ?? null, f.resource]);
}
function checkSemantics(n, ctx) {
    const out = [];
    const reg = n.config.registries;
    for (const r of reg.values())
        checkRegistry(r, rawRegistry(n, r.name), ctx, out);
    if (!ctx.isBroken(['rules']) && n.rules.length === 0 && n.complete) {
        out.push({ path: ['rules'], message: 'no rules: nothing will be replicated', severity: 'warning' });
    }
    const firstByName = new Map();
    const writers = new Map();
    for (const nr of n.rules) {
        const { rule, index, raw } = nr;
        const at = (key) => {
            if (raw[key] !== undefined)
                return ['rules', index, key];
            if (n.defaults[key] !== undefined)
                return ['defaults', key];
            return ['rules', index];
        };
        const add = (path, message, severity = 'error') => out.push({ path, message, severity });
        const first = firstByName.get(rule.name);
        if (first) {
            add(['rules', index, 'name'], `duplicate rule name "${rule.name}"; it is already used at line ${first.rule.line}`);
        }
        else {
            firstByName.set(rule.name, nr);
        }
        let refsOk = true;
        for (const key of ['source', 'destination']) {
            const name = rule[key];
            if (n.registryNames.includes(name))
                continue;
            refsOk = false;
            const hint = (0, errors_js_1.suggest)(name, n.registryNames);
            add(['rules', index, key], hint
                ? `unknown registry "${name}", did you mean "${hint}"?`
                : `unknown registry "${name}"; registries defined: ${n.registryNames.join(', ') || '(none)'}`);
        }
        const src = reg.get(rule.source);
        const dst = reg.get(rule.destination);
        // Triggers: cron as GitHub runs it.
        const rawTrig = (0, normalize_js_1.effective)(raw, n.defaults, 'trigger');
        const trigBase = at('trigger');
        const trigItems = Array.isArray(rawTrig)
            ? rawTrig.map((t, k) => [t, [...trigBase, k]])
            : [[rawTrig, trigBase]];
        for (const [t, path] of trigItems) {
            if (isObj(t) && typeof t.schedule === 'string') {
                const p = cronProblem(t.schedule);
                if (p)
                    add([...path, 'schedule'], p.message, p.severity);
            }
        }
        // Bandwidth.
        const bw = (0, normalize_js_1.effective)(raw, n.defaults, 'bandwidth');
        if (typeof bw === 'string' && (0, bandwidth_js_1.parseBandwidth)(bw) === undefined) {
            add(at('bandwidth'), 'expected a rate above zero, like 50MiB/s, 10MB/s or 500KiB/s, or -1 for unlimited');
        }
        // Semver range.
        if (rule.filters.semver !== undefined && semver_1.default.validRange(rule.filters.semver) === null) {
            const path = raw.filters && isObj(raw.filters) && raw.filters.semver !== undefined
                ? ['rules', index, 'filters', 'semver']
                : ['defaults', 'filters', 'semver'];
            add(path, `not a semver range: "${rule.filters.semver}"; expected something like ">=1.2 <2" or "^3.0.0"`);
        }
        // Name filters are repository paths, without the registry host.
        const namePath = () => {
            if (isObj(raw.filters) && raw.filters.name !== undefined)
                return ['rules', index, 'filters', 'name'];
            if (isObj(n.defaults.filters) && n.defaults.filters.name !== undefined)
                return ['defaults', 'filters', 'name'];
            return ['rules', index];
        };
        const nameItemPath = (k) => {
            const base = namePath();
            const rawName = isObj(raw.filters)
                ? raw.filters.name
                : isObj(n.defaults.filters)
                    ? n.defaults.filters.name
                    : undefined;
            return Array.isArray(rawName) ? [...base, k] : base;
        };
        if (src?.url) {
            const host = new URL(src.url).host;
            rule.filters.name.forEach((pattern, k) => {
                const firstPart = pattern.replace(/^!/, '').split('/')[0].toLowerCase();
                if (firstPart === host || firstPart === new URL(src.url).hostname) {
                    add(nameItemPath(k), `name filters match repository paths without the registry host; write "${pattern.replace(/^!/, '').split('/').slice(1).join('/')}"`);
                }
            });
        }
        // Harbor's form takes "prod-*, v*"; here that is one pattern that can never match.
        for (const key of ['name', 'tag']) {
            const rawF = isObj(raw.filters) && raw.filters[key] !== undefined ? raw.filters[key] : undefined;
            const base = rawF !== undefined ? ['rules', index, 'filters', key] : ['defaults', 'filters', key];
            rule.filters[key].forEach((pattern, k) => {
                const outsideBraces = pattern.replace(/\{[^}]*\}/g, '');
                if (/[,\s]/.test(outsideBraces)) {
                    const parts = pattern.split(/[,\s]+/).filter(Boolean);
                    const fromDefaults = rawF === undefined;
                    const listed = Array.isArray(fromDefaults ? n.defaults.filters?.[key] : rawF);
                    add(listed ? [...base, k] : base, `"${pattern}" is one pattern, and ${key === 'tag' ? 'tags' : 'repository names'} never contain ${/,/.test(outsideBraces) ? 'commas' : 'spaces'}; write a list: [${parts.join(', ')}]`);
                }
            });
        }
        const ns = rule.destinationNamespace;
        const literalNames = rule.filters.name.length > 0 && rule.filters.name.every((p) => !GLOB.test(p)) ? rule.filters.name : [];
        // Flattening applies only with a destination namespace (as in Harbor).
        if (raw.flattening !== undefined && !ns) {
            add(['rules', index, 'flattening'], 'ignored without destination_namespace (as in Harbor): the copies keep the source path', 'warning');
        }
        if (refsOk && src && dst) {
            // Docker Hub takes only namespace/name.
            if (dst.type === 'dockerhub') {
                if (!ns) {
                    add(at('destination'), `Docker Hub accepts only namespace/name repositories: set destination_namespace to your Docker Hub user or organisation (without it pushes fail with "denied: requested access to the resource is denied")`);
                }
                else if (ns.includes('/')) {
                    add(at('destination_namespace'), 'Docker Hub has a single namespace level: use your user or organisation name, without "/"');
                }
                else {
                    literalNames.forEach((name, k) => {
                        const mapped = destinationRepository(name, ns, rule.flattening);
                        if (mapped.split('/').length > 2) {
                            add(nameItemPath(k), `would be pushed to Docker Hub as "${mapped}", but Docker Hub accepts only namespace/name; set flattening: all`);
                        }
                    });
                }
            }
            // Replicating onto itself.
            if (registryIdentity(src) === registryIdentity(dst)) {
                const same = src.name === dst.name
                    ? `the same registry ("${src.name}")`
                    : `the same registry ("${src.name}" and "${dst.name}" have the same address)`;
                if (!ns) {
                    add(at('destination'), `source and destination are ${same} and no destination_namespace is set: the rule would replicate onto itself`);
                }
                else {
                    const onto = literalNames.find((name) => destinationRepository(name, ns, rule.flattening) === name);
                    if (onto) {
                        add(at('destination_namespace'), `source and destination are ${same} and "${onto}" maps onto itself: the rule would replicate onto itself`);
                    }
                }
            }
            // Two rules writing the same destination repository with the same tag selection.
            if (rule.enabled) {
                const selection = tagSelection(rule);
                for (const name of literalNames) {
                    const repo = destinationRepository(name, ns, rule.flattening);
                    const key = `${registryIdentity(dst)}|${repo}|${selection}`;
                    const other = writers.get(key);
                    if (other && other.nr !== nr) {
                        add(namePath(), `rule "${other.nr.rule.name}" (line ${other.nr.rule.line}) already writes "${repo}" on registry "${dst.name}" with the same tag filters; the two rules would overwrite each other`);
                        break;
                    }
                    writers.set(key, { nr, repo });
                }
            }
        }
        // Deleting under filters that match everything.
        if (rule.deleteRemote.enabled && !rule.deleteRemote.acknowledgeMatchAll && isMatchAll(rule)) {
            add(at('delete_remote'), `the filters match everything, so every destination tag the source lacks will be deleted (up to ${rule.deleteRemote.max} per run); narrow the filters or confirm with delete_remote: { enabled: true, acknowledge_match_all: true }`, 'warning');
        }
    }
    return out;
}
function rawRegistry(n, name) {
    const raw = n.rawRegistries[name];
    return isObj(raw) ? raw : {};
}


/***/ }),

/***/ 6301:
/***/ ((module) => {

module.exports = /*#__PURE__*/JSON.parse('{"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"https://github.com/ferry/ferry/schema/replication.schema.json","title":"ferry replication rules","description":"replication.yaml: registries and the rules that copy container images between them, as Harbor\'s replication rules, kept in git. Add `# yaml-language-server: $schema=./schema/replication.schema.json` at the top for completion and hover help.","type":"object","additionalProperties":false,"required":["version","registries","rules"],"properties":{"$schema":{"description":"Optional JSON Schema reference for editors.","type":"string"},"version":{"description":"Version of this file format. Always 1.","const":1,"examples":[1],"x-error":"expected 1 (the only version of this file format)"},"registries":{"description":"The registries rules copy from and to, by a name of your choice. Rules refer to them by that name.","type":"object","minProperties":1,"propertyNames":{"pattern":"^[A-Za-z0-9][A-Za-z0-9._-]*$","x-error":"a registry name is letters, digits, \'.\', \'_\' or \'-\' (no spaces), like cluster1-registry"},"additionalProperties":{"$ref":"#/$defs/registry"},"x-error":{"minProperties":"expected at least one registry"},"examples":[{"harbor":{"type":"harbor","url":"https://harbor.example.com","credentials":{"username":{"env":"HARBOR_USERNAME"},"password":{"env":"HARBOR_PASSWORD"}}}}]},"defaults":{"description":"Values for any rule option that a rule does not set itself (rule names, source, destination and description excepted).","type":"object","additionalProperties":false,"properties":{"enabled":{"$ref":"#/$defs/enabled"},"filters":{"$ref":"#/$defs/filters"},"destination_namespace":{"$ref":"#/$defs/destinationNamespace"},"flattening":{"$ref":"#/$defs/flattening"},"override":{"$ref":"#/$defs/override"},"delete_remote":{"$ref":"#/$defs/deleteRemote"},"trigger":{"$ref":"#/$defs/triggers"},"bandwidth":{"$ref":"#/$defs/bandwidth"},"concurrency":{"$ref":"#/$defs/concurrency"},"platforms":{"$ref":"#/$defs/platforms"},"referrers":{"$ref":"#/$defs/referrers"}},"examples":[{"concurrency":4,"override":true,"referrers":true}]},"rules":{"description":"Replication rules, each copying the images its filters select from `source` to `destination` (Harbor: Administration > Replications).","type":"array","items":{"$ref":"#/$defs/rule"}}},"$defs":{"registry":{"description":"A registry endpoint (Harbor: Administration > Registries > New Endpoint).","type":"object","additionalProperties":false,"required":["type"],"properties":{"type":{"description":"The provider. `registry` is any OCI Distribution registry (Docker Registry, Zot, Distribution...); `oci-layout` is a local OCI image-layout directory.","enum":["registry","harbor","dockerhub","ghcr","aliyun-acr","ecr","gar","quay","oci-layout"],"examples":["harbor","registry","dockerhub","aliyun-acr"]},"url":{"description":"Base URL, scheme and host (and port) only, no path: https://harbor.example.com. Defaults for dockerhub (https://hub.docker.com), ghcr (https://ghcr.io) and quay (https://quay.io). Not used by oci-layout.","type":"string","pattern":"^[hH][tT][tT][pP][sS]?://","x-error":"expected a URL starting with https:// or http://, like https://registry.example.com","examples":["https://harbor.example.com","https://hub.docker.com","https://registry.cn-hangzhou.aliyuncs.com"]},"path":{"description":"Directory of an OCI image layout (type oci-layout only), relative to this file.","type":"string","minLength":1,"examples":["./backup"]},"credentials":{"$ref":"#/$defs/credentials"},"tls":{"$ref":"#/$defs/tls"},"repositories":{"description":"Explicit list of repositories, for registries that cannot list theirs (no catalog API), such as Aliyun ACR personal instances.","type":"array","items":{"type":"string","pattern":"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$","x-error":"expected a repository path in lower case, like nms4cloud/gateway"},"examples":[["nms4cloud/gateway","nms4cloud/web"]]},"options":{"description":"Provider-specific settings (for example `organization` for ghcr, `namespace` for dockerhub repository listing).","type":"object","examples":[{"organization":"acme"}]}}},"credentials":{"description":"Where the credentials come from: references only, never the secret itself. `{ docker_config: true }` reads them from a Docker config.json (DOCKER_CONFIG or ~/.docker), so a workflow that already ran docker/login-action needs nothing more. Without credentials, Docker config.json is tried, then anonymous access.","type":"object","additionalProperties":false,"minProperties":1,"properties":{"username":{"description":"User name: a literal (it is not secret) or a reference.","type":["string","object"],"if":{"type":"string"},"then":{"minLength":1},"else":{"$ref":"#/$defs/secretRef"},"x-error":{"type":"expected a user name or a reference like { env: HARBOR_USERNAME }"},"examples":["robot$ci",{"env":"HARBOR_USERNAME"}]},"password":{"$ref":"#/$defs/secretRef","description":"Password or access token, as a reference: { env: NAME }, { file: path } or { docker_config: true }."},"token":{"$ref":"#/$defs/secretRef","description":"Identity (refresh) token, as a reference: { env: NAME }, { file: path } or { docker_config: true }."},"docker_config":{"description":"Shorthand: take user name and password for this registry from a Docker config.json. true = DOCKER_CONFIG or ~/.docker/config.json; a string = that file.","type":["boolean","string"],"if":{"type":"boolean"},"then":{"const":true},"else":{"minLength":1},"x-error":"expected true or the path of a Docker config.json","examples":[true,"~/.docker/config.json"]}},"x-error":{"minProperties":"expected username and password, token or docker_config"},"examples":[{"username":{"env":"HARBOR_USERNAME"},"password":{"env":"HARBOR_PASSWORD"}},{"docker_config":true}]},"secretRef":{"description":"A reference to a secret: { env: NAME } (environment variable, e.g. from `env:` in the workflow), { file: path } or { docker_config: true | path }.","type":"object","additionalProperties":false,"minProperties":1,"maxProperties":1,"properties":{"env":{"description":"Name of the environment variable that holds the value.","type":"string","pattern":"^[A-Za-z_][A-Za-z0-9_]*$","x-error":"expected an environment variable name, like HARBOR_PASSWORD","examples":["HARBOR_PASSWORD","DOCKERHUB_TOKEN"]},"file":{"description":"Path of a file holding the value (trailing newline ignored), relative to this file.","type":"string","minLength":1,"examples":["/run/secrets/harbor-password"]},"docker_config":{"description":"Take the value from a Docker config.json: true = DOCKER_CONFIG or ~/.docker/config.json; a string = that file.","type":["boolean","string"],"if":{"type":"boolean"},"then":{"const":true},"else":{"minLength":1},"x-error":"expected true or the path of a Docker config.json","examples":[true]}},"x-error":{"type":"@literal-secret","minProperties":"expected one of { env: NAME }, { file: path } or { docker_config: true }","maxProperties":"expected only one of env, file or docker_config"},"examples":[{"env":"HARBOR_PASSWORD"},{"file":"/run/secrets/harbor"},{"docker_config":true}]},"tls":{"description":"TLS settings (Harbor: Verify Remote Cert).","type":"object","additionalProperties":false,"properties":{"verify":{"description":"Verify the registry\'s certificate. Default true; false only for a registry you trust with a self-signed certificate.","type":"boolean","default":true,"examples":[false]},"ca":{"description":"PEM CA bundle trusted in addition to the system roots: a path relative to this file, or { file: path }.","type":["string","object"],"if":{"type":"string"},"then":{"minLength":1},"else":{"additionalProperties":false,"required":["file"],"properties":{"file":{"type":"string","minLength":1}}},"x-error":{"type":"expected a path to a PEM file, like certs/ca.pem"},"examples":["certs/ca.pem"]}},"examples":[{"verify":false},{"ca":"certs/ca.pem"}]},"rule":{"description":"A replication rule (Harbor: New Replication Rule, push-based).","type":"object","additionalProperties":false,"required":["name","source","destination"],"properties":{"name":{"description":"Unique rule name, used to pick rules to run (workflow input `rules`) and in reports.","type":"string","pattern":"^[A-Za-z0-9][A-Za-z0-9._-]*$","x-error":"a rule name is letters, digits, \'.\', \'_\' or \'-\' (no spaces), like to-dockerhub","examples":["to-dockerhub-auto","cluster1-registry-replication"]},"description":{"description":"Free text shown in reports.","type":"string","examples":["同步镜像到阿里云"]},"source":{"description":"Name of the registry to copy from (a key of `registries`).","type":"string","minLength":1,"examples":["harbor"]},"destination":{"description":"Name of the registry to copy to (a key of `registries`).","type":"string","minLength":1,"examples":["dockerhub"]},"enabled":{"$ref":"#/$defs/enabled"},"filters":{"$ref":"#/$defs/filters"},"destination_namespace":{"$ref":"#/$defs/destinationNamespace"},"flattening":{"$ref":"#/$defs/flattening"},"override":{"$ref":"#/$defs/override"},"delete_remote":{"$ref":"#/$defs/deleteRemote"},"trigger":{"$ref":"#/$defs/triggers"},"bandwidth":{"$ref":"#/$defs/bandwidth"},"concurrency":{"$ref":"#/$defs/concurrency"},"platforms":{"$ref":"#/$defs/platforms"},"referrers":{"$ref":"#/$defs/referrers"}}},"enabled":{"description":"Run this rule (Harbor: Enable rule). Default true.","type":"boolean","default":true,"examples":[false]},"filters":{"description":"Which artifacts to copy (Harbor: Source resource filter). Leave out a filter to match everything.","type":"object","additionalProperties":false,"properties":{"name":{"description":"Repository path globs (`**` crosses `/`), without the registry host; any match selects. `!` excludes.","$ref":"#/$defs/patterns","examples":["backend/**","nms4cloud-*",["library/nginx","library/alpine"]]},"tag":{"description":"Tag globs; any match selects, a pattern starting with `!` excludes (quote it in YAML).","$ref":"#/$defs/patterns","examples":["prod-*",["prod-*","v[0-9]*","!*-rc*"]]},"labels":{"description":"Labels / OCI annotations the artifact must carry, all of them, with these values.","type":"object","additionalProperties":{"type":["string","number","boolean"],"x-error":"expected a label value (a string)"},"examples":[{"org.opencontainers.image.vendor":"acme"}],"x-error":{"type":"expected a map of label: value, like { org.opencontainers.image.vendor: acme }"}},"resource":{"description":"image: container images only (default); artifact: other OCI artifacts (Helm charts, ...); all: both.","enum":["image","artifact","all"],"default":"image","examples":["image","all"]},"semver":{"description":"Semantic-version range on tags (node-semver syntax); tags that are not versions are left out.","type":"string","minLength":1,"examples":[">=1.2 <2","^3.0.0"]},"latest":{"description":"Keep only the newest N tags after the other filters.","type":"integer","minimum":1,"x-error":"expected a whole number of tags, 1 or more","examples":[5]}},"examples":[{"name":"backend/**","tag":["prod-*","v*"]}]},"patterns":{"type":["string","array"],"if":{"type":"string"},"then":{"minLength":1,"x-error":{"minLength":"expected a pattern, not an empty string"}},"else":{"items":{"type":"string","minLength":1,"x-error":{"type":"expected a pattern (a string)","minLength":"expected a pattern, not an empty string"}}},"x-error":{"type":"expected a pattern or a list of patterns"}},"destinationNamespace":{"description":"Namespace the copies go under (Harbor: Destination namespace). Absent = same path as the source. Docker Hub needs one: your user or organisation.","type":"string","pattern":"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$","x-error":"expected a namespace in lower case letters, digits, \'.\', \'_\' or \'-\', like myorg","examples":["myorg","lgy-images","production"]},"flattening":{"description":"Harbor\'s flattening, applied with destination_namespace: how many leading path levels to drop. 0 none (a/b/c → ns/a/b/c), 1 (default: a/b/c → ns/b/c), 2, 3, or -1/\\"all\\" (a/b/c → ns/c).","type":["integer","string"],"if":{"type":"integer"},"then":{"minimum":-1,"maximum":3},"else":{"const":"all"},"default":1,"x-error":"expected an integer from -1 to 3 or \\"all\\"","examples":[1,0,"all"]},"override":{"description":"Overwrite a destination tag that points to a different digest (Harbor: Override). Default true.","type":"boolean","default":true,"examples":[false]},"deleteRemote":{"description":"Delete destination tags the source no longer has (Harbor: Delete remote resources when locally deleted). true = enabled with at most 50 deletions per run.","type":["boolean","object"],"if":{"type":"object"},"then":{"additionalProperties":false,"properties":{"enabled":{"type":"boolean","description":"Delete extra destination tags. Default true when this object is given."},"max":{"description":"Most deletions one run may make for this rule; beyond it the rule\'s deletions are refused. Default 50.","type":"integer","minimum":1,"x-error":"expected a whole number, 1 or more","examples":[10]},"acknowledge_match_all":{"description":"Confirm deleting under a rule whose filters match everything.","type":"boolean","examples":[true]}}},"default":false,"x-error":{"type":"expected true, false or { enabled: true, max: 10 }"},"examples":[false,true,{"enabled":true,"max":10}]},"triggers":{"description":"When the rule runs: manual (workflow_dispatch), event (repository_dispatch from a registry webhook, GHCR registry_package, push of this file) and/or { schedule: cron } (5-field cron, UTC, as GitHub Actions). Default manual.","type":["string","object","array"],"if":{"type":"array"},"then":{"minItems":1,"items":{"$ref":"#/$defs/trigger"}},"else":{"$ref":"#/$defs/trigger"},"x-error":{"type":"expected manual, event, { schedule: \\"<cron>\\" } or a list of them","minItems":"expected at least one trigger"},"examples":["event",["manual","event",{"schedule":"0 2 * * *"}]]},"trigger":{"type":["string","object"],"if":{"type":"string"},"then":{"enum":["manual","event"]},"else":{"additionalProperties":false,"required":["schedule"],"properties":{"schedule":{"description":"5-field cron (minute hour day-of-month month day-of-week), UTC, as GitHub Actions `schedule:`.","type":"string","examples":["0 2 * * *"],"x-error":{"type":"expected a cron string in quotes, like \\"0 2 * * *\\""}}}},"x-error":{"type":"expected manual, event or { schedule: \\"<cron>\\" }","enum":"expected manual, event or { schedule: \\"<cron>\\" }"}},"bandwidth":{"description":"Transfer rate cap for the rule: 50MiB/s, 10MB/s, 500KiB/s, 100Mbps; -1 = unlimited (default).","type":["string","integer"],"if":{"type":"integer"},"then":{"const":-1,"x-error":"a bare number is ambiguous (Harbor counts Kbps): write a unit, like 500KiB/s or 50MiB/s, or -1 for unlimited"},"else":{"pattern":"^\\\\s*(-1|unlimited|[0-9]+(\\\\.[0-9]+)?\\\\s*([kKMGT]?B|[KMGT]iB)(/s)?|[0-9]+(\\\\.[0-9]+)?\\\\s*([kKMG]bps|[kKMG]bit/s))\\\\s*$","x-error":"expected a rate like 50MiB/s, 10MB/s or 500KiB/s, or -1 for unlimited"},"x-error":{"type":"expected a rate like 50MiB/s, 10MB/s or 500KiB/s, or -1 for unlimited"},"examples":["50MiB/s","500KiB/s",-1]},"concurrency":{"description":"How many artifacts the rule copies at once. Default 4.","type":"integer","minimum":1,"maximum":64,"default":4,"x-error":"expected a whole number from 1 to 64","examples":[4]},"platforms":{"description":"Copy only these platforms of multi-platform images (the index is rewritten). Empty = all platforms.","type":"array","items":{"type":"string","pattern":"^[a-z0-9]+/[a-z0-9_]+(/[a-z0-9]+)?$","x-error":"expected os/arch[/variant], like linux/amd64 or linux/arm64/v8"},"examples":[["linux/amd64","linux/arm64"]]},"referrers":{"description":"Copy referrers (signatures, SBOMs, attestations) with their subject. Default true.","type":"boolean","default":true,"examples":[false]}},"x-error":{"type":"expected a map with version, registries and rules"}}');

/***/ })

};
