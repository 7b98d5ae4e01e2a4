/*
 * Files inlined into the HTML report, embedded in the binary at build time by report/embed.mjs
 * (chart.js and cytoscape from report/node_modules after npm ci; report/report.html, .css and
 * .js from the source tree), so that `attune report` needs neither node nor a network.
 */
#ifndef ATTUNE_REPORT_ASSETS_H
#define ATTUNE_REPORT_ASSETS_H

#include <stddef.h>

typedef struct report_asset {
    const char *name; /* "chart.js", "cytoscape.js", "report.html", "report.css", "report.js" */
    const unsigned char *data;
    size_t size;
} report_asset;

/** The embedded file called `name`, or NULL. O(assets). */
const report_asset *report_asset_get(const char *name);

#endif
