export const id = 575;
export const ids = [575];
export const modules = {

/***/ 2575:
/***/ ((__unused_webpack_module, exports, __webpack_require__) => {

var __webpack_unused_export__;

__webpack_unused_export__ = ({ value: true });
exports.validateCommand = validateCommand;
const index_js_1 = __webpack_require__(9750);
async function validateCommand(opts) {
    try {
        const { config, warnings } = await (0, index_js_1.loadConfig)(opts.config);
        for (const w of warnings)
            console.error((0, index_js_1.formatDiagnostic)(w));
        console.log(`${opts.config}: valid (${config.rules.length} rule${config.rules.length === 1 ? '' : 's'}, ${config.registries.size} registr${config.registries.size === 1 ? 'y' : 'ies'})`);
        return 0;
    }
    catch (e) {
        if (e instanceof index_js_1.ConfigError) {
            for (const d of e.diagnostics)
                console.error((0, index_js_1.formatDiagnostic)(d));
            return 1;
        }
        throw e;
    }
}


/***/ })

};
