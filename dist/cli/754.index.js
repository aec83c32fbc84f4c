export const id = 754;
export const ids = [754];
export const modules = {

/***/ 1754:
/***/ ((__unused_webpack_module, exports, __webpack_require__) => {

var __webpack_unused_export__;

__webpack_unused_export__ = ({ value: true });
exports.planCommand = planCommand;
const index_js_1 = __webpack_require__(9750);
const run_js_1 = __webpack_require__(9310);
const escape_js_1 = __webpack_require__(6412);
const units_js_1 = __webpack_require__(8136);
const plan_comment_js_1 = __webpack_require__(1999);
async function planCommand(opts) {
    let loaded;
    try {
        loaded = await (0, index_js_1.loadConfig)(opts.config);
    }
    catch (e) {
        if (e instanceof index_js_1.ConfigError) {
            for (const d of e.diagnostics)
                console.error((0, index_js_1.formatDiagnostic)(d));
            return 1;
        }
        throw e;
    }
    if (opts.matrix !== undefined)
        return matrixCommand(loaded.config, opts.rule, opts.matrix, opts.json ?? false);
    const { plan, report } = await (0, run_js_1.runConfig)(loaded.config, {
        dryRun: true,
        rules: opts.rule,
        command: 'plan',
        ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
    });
    if (opts.json)
        console.log(JSON.stringify({ plan, ruleErrors: report.ruleErrors }, null, 2));
    else {
        console.log((0, plan_comment_js_1.renderPlanText)(plan));
        for (const e of report.ruleErrors)
            console.error((0, escape_js_1.neutralizeCommands)(`error: rule ${e.rule}: ${e.message}${e.hint ? `\n  hint: ${e.hint}` : ''}`));
    }
    return report.ruleErrors.length ? 1 : 0;
}
/**
 * `ferry plan --matrix N`: `{"include":[{"shard":"1/N",…}]}` on stdout, one line, ready for
 * `echo "matrix=$(ferry plan --matrix 4)" >> "$GITHUB_OUTPUT"`; the units per shard go to stderr
 * (or, with --json, into the JSON as `shards`).
 */
async function matrixCommand(config, rules, total, json) {
    if (!Number.isInteger(total) || total < 1 || total > 256) {
        console.error(`ferry: --matrix expects a whole number of shards between 1 and 256, got ${total}`);
        return 2;
    }
    const { units, errors } = await (0, units_js_1.discoverUnits)(config, { rules });
    const { matrix, shards } = (0, units_js_1.buildMatrix)(units, total);
    const detail = shards.map((s) => ({ shard: `${s.index}/${total}`, units: s.units }));
    console.log(JSON.stringify(json ? { ...matrix, shards: detail } : matrix));
    if (!json)
        for (const s of detail)
            console.error((0, escape_js_1.neutralizeCommands)(`shard ${s.shard}: ${s.units.map((u) => `${u.rule}:${u.repository} (${u.weight})`).join(', ') || 'no units'}`));
    for (const e of errors)
        console.error((0, escape_js_1.neutralizeCommands)(`error: rule ${e.rule}: ${e.message}`));
    return errors.length ? 1 : 0;
}


/***/ }),

/***/ 8303:
/***/ ((__unused_webpack_module, exports) => {


// Splitting (rule, repository) units over N jobs of a GitHub Actions matrix, deterministically:
// every job computes the same split from the same units and keeps its own share.
//
// Units are sorted by weight (descending), then by rule and repository; each goes to the shard
// with the least total weight so far, ties to the shard with fewer units, then the lower index
// (the unit-count tie-break spreads zero-weight units instead of stacking them on shard 1).
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.shardUnits = shardUnits;
exports.parseShard = parseShard;
exports.inShard = inShard;
function cmp(a, b) {
    return a < b ? -1 : a > b ? 1 : 0;
}
function checkTotal(total) {
    if (!Number.isInteger(total) || total < 1) {
        throw new Error(`the number of shards must be a whole number of at least 1, got ${total}`);
    }
}
function shardUnits(units, total) {
    checkTotal(total);
    for (const u of units) {
        if (!Number.isFinite(u.weight) || u.weight < 0) {
            throw new Error(`unit ${u.rule}/${u.repository} has an invalid weight ${u.weight}`);
        }
    }
    const order = [...units].sort((a, b) => b.weight - a.weight || cmp(a.rule, b.rule) || cmp(a.repository, b.repository));
    const shards = Array.from({ length: total }, (_, i) => ({
        index: i + 1,
        units: [],
        load: 0,
    }));
    for (const unit of order) {
        let target = shards[0];
        for (const s of shards) {
            if (s.load < target.load || (s.load === target.load && s.units.length < target.units.length)) {
                target = s;
            }
        }
        target.units.push(unit);
        target.load += unit.weight;
    }
    return shards.map(({ index, units }) => ({ index, units }));
}
/** Parse `i/N` (1-based), e.g. `2/5`. */
function parseShard(text) {
    const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
    if (!m)
        throw new Error(`invalid shard "${text}": expected i/N with 1 <= i <= N, such as 2/5`);
    const index = Number(m[1]);
    const total = Number(m[2]);
    if (total < 1)
        throw new Error(`invalid shard "${text}": the number of shards N must be at least 1`);
    if (index < 1 || index > total) {
        throw new Error(`invalid shard "${text}": the shard index is 1-based and must be between 1 and ${total}`);
    }
    return { index, total };
}
/** Whether a unit (by rule and repository) falls in shard `index` (1-based) of a split. */
function inShard(unit, shards, index) {
    const shard = shards.find((s) => s.index === index);
    if (!shard)
        throw new Error(`no shard ${index} in a split of ${shards.length}`);
    return shard.units.some((u) => u.rule === unit.rule && u.repository === unit.repository);
}


/***/ }),

/***/ 8136:
/***/ ((__unused_webpack_module, exports, __webpack_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.discoverUnits = discoverUnits;
exports.buildMatrix = buildMatrix;
exports.shardSelector = shardSelector;
const shard_js_1 = __webpack_require__(8303);
const index_js_1 = __webpack_require__(7486);
const index_js_2 = __webpack_require__(5755);
const secrets_js_1 = __webpack_require__(4537);
const run_js_1 = __webpack_require__(9310);
/**
 * Lists each selected rule's source repositories (name filter applied) and counts the tags in scope.
 * A repository whose tags cannot be listed still becomes a unit, of weight 1, so that it lands in some
 * shard and the shard's run reports the failure. Units come out sorted by rule, then repository.
 */
async function discoverUnits(config, o = {}) {
    const rules = (0, run_js_1.selectRules)(config, o.rules);
    const stores = new Map();
    const open = (name) => {
        let s = stores.get(name);
        if (!s) {
            const reg = config.registries.get(name);
            if (!reg)
                return Promise.reject(new Error(`registry ${name} is not defined`));
            s = (0, index_js_1.openStore)(reg, { baseDir: (0, index_js_1.configDir)(config.file), anonymous: o.anonymousRegistries?.has(name) ?? false });
            stores.set(name, s);
        }
        return s;
    };
    const units = [];
    const errors = [];
    try {
        for (const rule of rules) {
            try {
                const src = await open(rule.source);
                const nameOk = (0, index_js_2.compileNameFilter)(rule.filters.name);
                const scope = (0, index_js_2.compileTagScope)(rule.filters);
                const repos = (await src.listRepositories()).filter((r) => nameOk(r) && (o.select?.(rule.name, r) ?? true));
                const counted = await Promise.all(repos.map(async (repository) => {
                    const tags = await src.listTags(repository).catch(() => undefined);
                    return { rule: rule.name, repository, weight: tags ? tags.filter(scope).length : 1 };
                }));
                units.push(...counted);
            }
            catch (e) {
                errors.push({ rule: rule.name, message: (0, secrets_js_1.redact)(`listing the source ${rule.source}: ${e.message}`) });
            }
        }
    }
    finally {
        for (const s of stores.values())
            await (await s.catch(() => undefined))?.close().catch(() => { });
    }
    units.sort((a, b) => cmp(a.rule, b.rule) || cmp(a.repository, b.repository));
    return { units, errors };
}
function cmp(a, b) {
    return a < b ? -1 : a > b ? 1 : 0;
}
/**
 * `{"include":[{"shard":"1/N",…},…]}` for `strategy.matrix: ${{ fromJSON(…) }}`, and the units each
 * shard owns. Only `include` goes in the matrix: any other top-level key would become a dimension.
 */
function buildMatrix(units, total) {
    const shards = (0, shard_js_1.shardUnits)(units, total);
    const include = shards.map((s) => ({
        shard: `${s.index}/${total}`,
        units: s.units.length,
        weight: s.units.reduce((n, u) => n + u.weight, 0),
    }));
    return { matrix: { include }, shards };
}
/** The `select` for runConfig that keeps the units of shard `index` (1-based) of `total`. */
function shardSelector(units, index, total) {
    const shards = (0, shard_js_1.shardUnits)(units, total);
    const mine = new Set(shards.find((s) => s.index === index)?.units.map((u) => `${u.rule}\n${u.repository}`));
    return (rule, repository) => mine.has(`${rule}\n${repository}`);
}


/***/ }),

/***/ 1999:
/***/ ((__unused_webpack_module, exports, __webpack_require__) => {


/**
 * The plan as a sticky PR comment (ECOSYSTEM.md (b)) and as terminal text for `ferry plan`.
 */
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.DEFAULT_PLAN_FILE = exports.DEFAULT_PLAN_MAX_CHARS = void 0;
exports.countPlan = countPlan;
exports.countsLine = countsLine;
exports.renderPlan = renderPlan;
exports.renderPlanText = renderPlanText;
const escape_js_1 = __webpack_require__(6412);
/** GitHub rejects comments over 65 536 characters; leave room for the marker and edits. */
exports.DEFAULT_PLAN_MAX_CHARS = 60_000;
exports.DEFAULT_PLAN_FILE = 'replication.yaml';
/** Counts plan actions; deletes of a rule whose deletions were refused count as `refused`. */
function countPlan(plan) {
    const rules = Array.isArray(plan) ? plan : plan.rules;
    const c = { copy: 0, update: 0, delete: 0, unchanged: 0, kept: 0, refused: 0 };
    for (const rule of rules) {
        for (const item of rule.items) {
            if (item.action === 'delete' && rule.deletionsRefused !== undefined)
                c.refused++;
            else
                c[item.action]++;
        }
    }
    return c;
}
/** `+12 copy · ~1 update · −3 delete · =140 unchanged · !2 kept` */
function countsLine(c) {
    const parts = [
        `+${c.copy} copy`,
        `~${c.update} update`,
        `−${c.delete} delete`,
        `=${c.unchanged} unchanged`,
        `!${c.kept} kept`,
    ];
    if (c.refused > 0)
        parts.push(`${c.refused} deletions refused`);
    return parts.join(' · ');
}
function isChanged(rule) {
    return (rule.items.some((i) => i.action !== 'unchanged') || rule.deletionsRefused !== undefined || rule.warnings.length > 0);
}
/** Renders the PR plan comment. */
function renderPlan(plan, opts = {}) {
    const maxChars = opts.maxChars ?? exports.DEFAULT_PLAN_MAX_CHARS;
    const file = opts.file ?? exports.DEFAULT_PLAN_FILE;
    const marker = markerFor(opts.marker ?? `ferry:plan path=${file}`);
    const counts = countPlan(plan);
    const changed = plan.rules.filter(isChanged);
    const quietRules = plan.rules.filter((r) => !isChanged(r));
    const quiet = quietRules.length;
    const errors = opts.validation?.errors ?? [];
    const warnings = opts.validation?.warnings ?? [];
    const head = [];
    const verdict = errors.length > 0
        ? `❌ invalid · ${errors.length} error${errors.length === 1 ? '' : 's'}`
        : changed.length > 0
            ? `✅ valid · ${changed.length} rule${changed.length === 1 ? '' : 's'} changed`
            : '✅ valid · no changes';
    head.push(`## ferry plan: ${verdict}\n`);
    const context = [(0, escape_js_1.code)(file, 200)];
    if (opts.sha)
        context[0] += ` @ ${(0, escape_js_1.code)(opts.sha.slice(0, 7), 7)}`;
    const link = safeUrl(opts.runUrl);
    if (link)
        context.push(`[workflow run](${link})`);
    head.push(context.join(' · ') + '\n\n');
    head.push(`**${countsLine(counts)}**\n\n`);
    if (errors.length > 0) {
        head.push('### ❌ Validation errors\n\n', ...bullets(errors), '\n');
    }
    if (warnings.length > 0) {
        head.push('### ⚠️ Validation warnings\n\n', ...bullets(warnings), '\n');
    }
    const alerts = changed.flatMap(ruleAlerts);
    if (alerts.length > 0)
        head.push(alerts.map((a) => `> ${a}`).join('\n>\n'), '\n\n');
    for (const note of opts.notes ?? [])
        head.push(`> ℹ️ ${inline(note)}\n\n`);
    const blocks = changed.map((rule) => ({ rule, full: ruleBlock(rule), short: ruleLine(rule) }));
    const quietLine = quiet > 0
        ? `${quiet} rule${quiet === 1 ? '' : 's'} with no changes (${countPlan(quietRules).unchanged} tags unchanged).\n\n`
        : '';
    const footer = `<sub>Generated by \`ferry plan\`; nothing was copied.</sub>\n${marker}\n`;
    const headText = head.join('');
    const texts = blocks.map((b) => b.full);
    const assemble = (note) => headText + texts.join('') + quietLine + note + footer;
    const fixed = headText.length + quietLine.length + footer.length;
    let bodyLength = texts.reduce((n, t) => n + t.length, 0);
    if (fixed + bodyLength <= maxChars)
        return assemble('');
    // Over the limit: drop the detail of the largest rules first, then their one-line summaries.
    const noteFor = (n) => `> ✂️ truncated: ${n} rule${n === 1 ? '' : 's'} not shown in full, see the job summary for the whole plan.\n\n`;
    const fits = (cut) => fixed + bodyLength + noteFor(cut).length <= maxChars;
    const bySize = blocks.map((_b, i) => i).sort((a, b) => blocks[b].full.length - blocks[a].full.length);
    let cut = 0;
    for (const i of bySize) {
        bodyLength += blocks[i].short.length - texts[i].length;
        texts[i] = blocks[i].short;
        cut++;
        if (fits(cut))
            return assemble(noteFor(cut));
    }
    for (let i = texts.length - 1; i >= 0; i--) {
        bodyLength -= texts[i].length;
        texts[i] = '';
        if (fits(cut))
            return assemble(noteFor(cut));
    }
    // Still too long (a huge validation list): cut the head, keep the footer and marker.
    const tail = noteFor(cut) + footer;
    const kept = headText.slice(0, Math.max(0, maxChars - tail.length - 2));
    return kept.slice(0, kept.lastIndexOf('\n') + 1) + '\n' + tail;
}
/** The ⚠️ lines for one rule: deletions, overwrites, refused deletions, rule warnings. */
function ruleAlerts(rule) {
    const out = [];
    const name = (0, escape_js_1.code)(rule.rule, 100);
    const deletes = rule.items.filter((i) => i.action === 'delete');
    if (deletes.length > 0 && rule.deletionsRefused === undefined) {
        out.push(`⚠️ **${tags(deletes.length)} will be deleted** from ${repos(deletes)} (rule ${name}).`);
    }
    const updates = rule.items.filter((i) => i.action === 'update');
    if (updates.length > 0) {
        out.push(`⚠️ **${tags(updates.length)} will be overwritten** in ${repos(updates)} (rule ${name}).`);
    }
    if (rule.deletionsRefused !== undefined) {
        out.push(`🛑 **Deletions refused** for rule ${name}: ${inline(rule.deletionsRefused)}`);
    }
    return out;
}
function tags(n) {
    return `${n} tag${n === 1 ? '' : 's'}`;
}
function repos(items) {
    const names = [...new Set(items.map((i) => i.destinationRepository))];
    const shown = names.slice(0, 3).map((n) => (0, escape_js_1.code)(n, 100));
    return shown.join(', ') + (names.length > 3 ? ` and ${names.length - 3} more repositories` : '');
}
const DIFF_SIGN = {
    copy: '+',
    update: '~',
    delete: '-',
    kept: '!',
    unchanged: ' ',
};
function ruleCountsText(rule, minus = '−') {
    const c = countPlan([rule]);
    const parts = [];
    if (c.copy)
        parts.push(`+${c.copy}`);
    if (c.update)
        parts.push(`~${c.update}`);
    if (c.delete)
        parts.push(`${minus}${c.delete}`);
    if (c.kept)
        parts.push(`!${c.kept}`);
    if (c.refused)
        parts.push(`${c.refused} refused`);
    if (c.unchanged)
        parts.push(`=${c.unchanged}`);
    return parts.join(' ');
}
function summaryLine(rule) {
    return `<b>${(0, escape_js_1.escapeHtml)((0, escape_js_1.truncate)((0, escape_js_1.oneLine)(rule.rule), 100))}</b> · ${ruleCountsText(rule)}`;
}
function ruleBlock(rule) {
    const open = rule.items.some((i) => i.action === 'delete' || i.action === 'kept') || rule.deletionsRefused !== undefined;
    const out = [`<details${open ? ' open' : ''}><summary>${summaryLine(rule)}</summary>\n\n`];
    for (const w of rule.warnings)
        out.push(`> ⚠️ ${inline(w)}\n\n`);
    if (rule.deletionsRefused !== undefined)
        out.push(`🛑 Deletions refused: ${inline(rule.deletionsRefused)}\n\n`);
    const lines = diffLines(rule);
    if (lines.length > 0)
        out.push(fenced('diff', lines));
    out.push('</details>\n\n');
    return out.join('');
}
function ruleLine(rule) {
    return `- ${summaryLine(rule)} (detail omitted)\n`;
}
function diffLines(rule) {
    const items = rule.items.filter((i) => i.action !== 'unchanged');
    const refs = items.map((i) => (0, escape_js_1.truncate)((0, escape_js_1.oneLine)(`${i.destinationRepository}:${i.tag}`), 120));
    const width = Math.min(60, Math.max(0, ...refs.map((r) => r.length)));
    return items.map((item, k) => {
        const refused = item.action === 'delete' && rule.deletionsRefused !== undefined;
        const sign = refused ? ' ' : DIFF_SIGN[item.action];
        const ref = refs[k].padEnd(width);
        const detail = itemDetail(item);
        const reason = refused ? 'delete refused' : item.reason ? (0, escape_js_1.truncate)((0, escape_js_1.oneLine)(item.reason), 200) : '';
        return [`${sign} ${ref}`, detail, reason].filter(Boolean).join('  ').trimEnd();
    });
}
function itemDetail(item) {
    const src = (0, escape_js_1.shortDigest)(item.sourceDigest, 12);
    const dst = (0, escape_js_1.shortDigest)(item.destinationDigest, 12);
    switch (item.action) {
        case 'copy':
            return src;
        case 'update':
            return `${dst || '?'} → ${src || '?'}`;
        case 'delete':
            return dst;
        case 'kept':
            return dst && src ? `${dst} (source ${src})` : dst || src;
        default:
            return src || dst;
    }
}
/** A fenced block that the content cannot close: the fence is longer than any backtick run. */
function fenced(lang, lines) {
    const body = lines.join('\n');
    const longest = Math.max(0, ...Array.from(body.matchAll(/`+/g), (m) => m[0].length));
    const fence = '`'.repeat(Math.max(3, longest + 1));
    return `${fence}${lang}\n${body}\n${fence}\n`;
}
function bullets(items) {
    const shown = items.slice(0, 50).map((e) => `- ${inline(e)}\n`);
    if (items.length > shown.length)
        shown.push(`- … and ${items.length - shown.length} more\n`);
    return shown;
}
/** Untrusted text in running Markdown: same escaping as a table cell. */
function inline(s) {
    return (0, escape_js_1.escapeMarkdownCell)(s, 500);
}
function markerFor(marker) {
    const inner = marker.replace(/^<!--\s*/, '').replace(/\s*-->$/, '');
    // `--` and `>` could end the HTML comment early.
    return `<!-- ${(0, escape_js_1.oneLine)(inner).replace(/--/g, '- -').replace(/>/g, '&gt;')} -->`;
}
function safeUrl(url) {
    if (!url)
        return undefined;
    return /^https?:\/\/[^\s<>()[\]`"']+$/.test(url) ? url : undefined;
}
// ---- terminal text -------------------------------------------------------------------------
const TEXT_ACTION = {
    copy: 'copy',
    update: 'update',
    delete: 'delete',
    kept: 'kept',
    unchanged: 'unchanged',
};
/** Plain text for `ferry plan` in a terminal: per rule aligned columns, then totals. */
function renderPlanText(plan, opts = {}) {
    const out = [];
    for (const rule of plan.rules) {
        out.push(`rule ${clean(rule.rule)}  (${ruleCountsText(rule, '-') || 'nothing'})`);
        for (const w of rule.warnings)
            out.push(`  warning: ${clean(w)}`);
        if (rule.deletionsRefused !== undefined)
            out.push(`  deletions refused: ${clean(rule.deletionsRefused)}`);
        const items = rule.items.filter((i) => opts.showUnchanged || i.action !== 'unchanged');
        if (items.length > 0) {
            const rows = items.map((i) => {
                const refused = i.action === 'delete' && rule.deletionsRefused !== undefined;
                return [
                    refused ? 'refused' : TEXT_ACTION[i.action],
                    clean(`${i.destinationRepository}:${i.tag}`),
                    clean((0, escape_js_1.shortDigest)(i.sourceDigest, 12)) || '-',
                    clean((0, escape_js_1.shortDigest)(i.destinationDigest, 12)) || '-',
                    i.reason ? clean(i.reason) : '',
                ];
            });
            out.push(...(0, escape_js_1.alignColumns)([['ACTION', 'REPOSITORY:TAG', 'SOURCE-DIGEST', 'DEST-DIGEST', ''], ...rows], '  '));
        }
        const hidden = rule.items.length - items.length;
        if (hidden > 0)
            out.push(`  = ${hidden} unchanged`);
        out.push('');
    }
    const c = countPlan(plan);
    out.push(`Total: ${countsLine(c).replace('−', '-')}`);
    out.push(plan.dryRun ? 'Plan only: nothing was copied.' : '');
    return out.join('\n').trimEnd() + '\n';
}
function clean(s) {
    return (0, escape_js_1.neutralizeCommands)((0, escape_js_1.truncate)(s, 200));
}


/***/ })

};
