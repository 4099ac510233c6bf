
/***********************************************
*  Filepath: /web/static/src/module_loader.js  *
*  Lines: 30                                   *
***********************************************/
/**
 * A minimal module loader: odoo.define(name, deps, factory) registers a module and
 * runs its factory once every dependency is defined.
 */
(function () {
    "use strict";
    const odoo = (window.odoo = window.odoo || {});
    const factories = new Map();
    const modules = new Map();

    function tryLoad() {
        let progress = true;
        while (progress) {
            progress = false;
            for (const [name, { deps, factory }] of factories) {
                if (deps.every((dep) => modules.has(dep))) {
                    factories.delete(name);
                    modules.set(name, factory((dep) => modules.get(dep)));
                    progress = true;
                }
            }
        }
    }

    odoo.define = function define(name, deps, factory) {
        factories.set(name, { deps, factory });
        tryLoad();
    };
    odoo.loader = { modules, factories };
})();
;

/****************************************************
*  Filepath: /web/static/src/legacy/jquery_like.js  *
*  Lines: 4                                         *
****************************************************/
// A legacy global helper, not an Odoo module: kept verbatim.
window.$q = function (selector) {
    return document.querySelectorAll(selector);
};
;

/*************************************************
*  Filepath: /web/static/src/legacy/polyfill.js  *
*  Lines: 5                                      *
*************************************************/
if (!Array.prototype.at) {
    Array.prototype.at = function at(index) {
        return this[index < 0 ? this.length + index : index];
    };
}
;

/**********************************************
*  Filepath: /web/static/src/core/browser.js  *
*  Lines: 15                                  *
**********************************************/
odoo.define('@web/core/browser', ['@web/core/registry'], function (require) {
'use strict';
let __exports = {};
/** @odoo-module **/
require("@web/core/registry");

const browser = {
    setTimeout: (...args) => window.setTimeout(...args),
    location: window.location,
};

__exports[Symbol.for("default")] = browser;

return __exports;
});
;

/*******************************************
*  Filepath: /web/static/src/core/l10n.js  *
*  Lines: 29                               *
*******************************************/
odoo.define('@web/core/l10n', ['@web/core/registry', '@web/core/utils/strings'], function (require) {
'use strict';
let __exports = {};
/** @odoo-module alias=web.l10n default=false */

const { registry } = require("@web/core/registry");
const strings = require("@web/core/utils/strings");
const {
    capitalize,
    nbsp,
} = require("@web/core/utils/strings");

const localization = __exports.localization = {
    decimalPoint: ".",
    thousandsSep: nbsp,
};

__exports.translate = translate; function translate(term) {
    return capitalize(strings.default(term));
}

registry.category("services").add("localization", { start: () => localization });

return __exports;
});

odoo.define(`web.l10n`, ['@web/core/l10n'], function (require) {
                        return require('@web/core/l10n');
                        });
;

/***********************************************
*  Filepath: /web/static/src/core/registry.js  *
*  Lines: 35                                   *
***********************************************/
odoo.define('@web/core/registry', ['@odoo/owl'], function (require) {
'use strict';
let __exports = {};
/** @odoo-module **/

const { EventBus } = require("@odoo/owl");

const Registry = __exports.Registry = class Registry extends EventBus {
    constructor() {
        super();
        this.content = {};
        this.subRegistries = {};
    }

    add(key, value) {
        this.content[key] = value;
        return this;
    }

    get(key, defaultValue) {
        return key in this.content ? this.content[key] : defaultValue;
    }

    category(name) {
        if (!(name in this.subRegistries)) {
            this.subRegistries[name] = new Registry();
        }
        return this.subRegistries[name];
    }
}

const registry = __exports.registry = new Registry();

return __exports;
});
;

/******************************************************
*  Filepath: /web/static/src/core/utils/functions.js  *
*  Lines: 17                                          *
******************************************************/
odoo.define('@web/core/utils/functions', ['@web/core/utils/strings'], function (require) {
'use strict';
let __exports = {};
/** @odoo-module */

const { [Symbol.for("default")]: sprintf, capitalize: cap } = require("@web/core/utils/strings");

__exports.delay = delay; async function delay(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

let counter = __exports.counter = 0;

Object.assign(__exports, { cap, format :  sprintf});

return __exports;
});
;

/****************************************************
*  Filepath: /web/static/src/core/utils/strings.js  *
*  Lines: 18                                        *
****************************************************/
odoo.define('@web/core/utils/strings', [], function (require) {
'use strict';
let __exports = {};
/** @odoo-module */

const nbsp = __exports.nbsp = "\u00a0";

__exports.capitalize = capitalize; function capitalize(text) {
    return text ? text[0].toUpperCase() + text.slice(1) : "";
}

__exports[Symbol.for("default")] = sprintf; function sprintf(template, ...values) {
    let index = 0;
    return template.replace(/%s/g, () => String(values[index++]));
}

return __exports;
});
;

/*************************************************
*  Filepath: /web/static/src/views/list_view.js  *
*  Lines: 20                                     *
*************************************************/
odoo.define('@web/views/list_view', ['@web/core/registry', '@web/core/l10n'], function (require) {
'use strict';
let __exports = {};
/** @odoo-module **/

const { registry } = require("@web/core/registry");
const { translate } = require("@web/core/l10n");

const ListView = __exports.ListView = class ListView {
    static template = "web.ListDialog";

    setup() {
        this.title = translate("list");
    }
}

registry.category("views").add("list", ListView);

return __exports;
});
;

/**************************************
*  Filepath: /web/static/src/main.js  *
*  Lines: 14                          *
**************************************/
odoo.define('@web/main', ['@web/core/registry', '@web/views/list_view'], function (require) {
'use strict';
let __exports = {};
/** @odoo-module **/

const { registry } = require("@web/core/registry");
const { ListView } = require("@web/views/list_view");

__exports.startWebClient = startWebClient; async function startWebClient() {
    return { views: registry.category("views"), ListView };
}

return __exports;
});
;

/***************************************
*  Filepath: /web/static/src/start.js  *
*  Lines: 11                           *
***************************************/
odoo.define('@web/start', ['@web/main'], function (require) {
'use strict';
let __exports = {};
/** @odoo-module **/

const { startWebClient } = require("@web/main");

startWebClient();

return __exports;
});
;

/**************************************************************
*  Filepath: /demo_shop/static/src/backend/shop_dashboard.js  *
*  Lines: 11                                                  *
**************************************************************/
odoo.define('@demo_shop/backend/shop_dashboard', ['@web/core/registry'], function (require) {
'use strict';
let __exports = {};
/** @odoo-module **/

const { registry } = require("@web/core/registry");

const dashboard = __exports.dashboard = registry.category("actions").add("shop_dashboard", {});

return __exports;
});


                    /*******************************************
                    *  Templates                               *
                    *******************************************/

                    odoo.define('web.assets_web.bundle.xml', ['@web/core/registry'], function(require){
                        'use strict';
                        const { registry } = require('@web/core/registry');
                        registry.category(`xml_templates`).add(`web.assets_web`, `<?xml version="1.0" encoding="UTF-8"?>
<templates xml:space="preserve">
<!-- Filepath: /web/static/src/core/templates.xml => /demo_shop/static/src/backend/shop_dashboard.xml -->
<t t-name="web.Dialog"><!-- Filepath: /demo_shop/static/src/backend/shop_dashboard.xml ; position="attributes" ; {'expr': "//div[hasclass('o_dialog')]"} -->
        <div class="modal o_dialog" role="dialog" data-shop="1">
            <header class="modal-header"><h4 t-esc="props.title"/></header>
            <main class="modal-body"><t t-slot="default"/></main>
            <footer class="modal-footer">
                <button class="btn btn-primary" t-on-click="close">Ok</button>
            </footer>
        </div>
    </t>

<!-- Filepath: /web/static/src/core/templates.xml => /web/static/src/views/list.xml -->


    <t t-name="web.Button">
            <!-- Filepath: /web/static/src/views/list.xml ; position="before" ; {'expr': '//button'} --><span class="o_button_icon" t-if="props.icon"/>
        <button t-att-class="props.className" class="btn" t-esc="props.label"/>
    </t>

<!-- Filepath: /web/static/src/core/templates.xml => /web/static/src/views/list.xml -->

<t t-name="web.ListDialog">
        <div class="modal o_dialog" role="dialog">
            <header class="modal-header"><h4 t-esc="props.title"/></header>
            <main class="modal-body"><t t-slot="default"/>
            <!-- Filepath: /web/static/src/views/list.xml ; position="inside" ; {'expr': '//main'} --><table class="o_list_table"/></main>
            <footer class="modal-footer"><!-- Filepath: /web/static/src/views/list.xml ; position="attributes" ; {'expr': '//footer/button'} -->
                <button class="btn btn-primary o_list_close" t-on-click="close">Ok</button>
            </footer>
        </div>
    </t>

<!-- Filepath: /web/static/src/core/templates.xml => /demo_shop/static/src/backend/shop_dashboard.xml -->


    <t t-name="demo_shop.Dashboard">
        <div class="modal o_dialog" role="dialog">
            <header class="modal-header"><!-- Filepath: /demo_shop/static/src/backend/shop_dashboard.xml ; position="replace" ; {'expr': '//h4'} --><h4 class="o_shop_title">Shop</h4>
        </header>
            <main class="modal-body"><t t-slot="default"/></main>
            <footer class="modal-footer">
                <button class="btn btn-primary" t-on-click="close">Ok</button>
            </footer>
        </div>
    </t>

<!-- Filepath: /website/static/src/xml/website.xml -->


    <t t-name="website.Banner">
        <section class="s_banner"><t t-esc="props.text"/></section>
    </t>

</templates>`);
                    });

//# sourceMappingURL=/web/assets/0123456/web.assets_web.js.map