/* attune report: the HTML report (and SVG figures) of a run folder. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/report.h"

static const char report_usage[] =
    "Usage: attune report RUN_DIR [--out FILE] [--no-figures] [--quiet]\n"
    "\n"
    "Writes one self-contained HTML file (RUN_DIR/report.html, or FILE) that shows the run in a\n"
    "browser, offline: well-being, distress and coping over time; attachment classes by age\n"
    "band; the adverse-experience gradient of coping; relationships formed, ruptured and\n"
    "ended, and toxic ties; therapy (waitlist, sessions, dose-response, alliance and outcome),\n"
    "or a note when the run has none; a drawing of the sampled ego networks coloured by\n"
    "security with toxic ties marked; claims.json and validation.json when the folder has\n"
    "them; the scenario and the manifest. SVG figures for papers go into figures/ beside the\n"
    "HTML file when gnuplot is installed. What the report reads: docs/outputs.md.\n"
    "\n"
    "  --out FILE     write the HTML here instead of RUN_DIR/report.html\n"
    "  --no-figures   do not draw the SVG figures\n"
    "  --quiet        print only the path of the report\n"
    "\n"
    "Exit codes: 0 written; 2 bad arguments; 3 the run folder, or a file it must hold\n"
    "(metrics.csv, events.csv, manifest.json), is missing or unreadable; 4 the report cannot\n"
    "be written.\n";

static int report_exit_code(int status)
{
    switch (status) {
    case REPORT_OK: return EXIT_OK;
    case REPORT_ERR_INPUT: return EXIT_SCENARIO;
    case REPORT_ERR_OUTPUT: return EXIT_OUTPUT;
    case REPORT_ERR_NOMEM: return EXIT_MEMORY;
    default: return EXIT_INTERNAL;
    }
}

int report_and_print(const report_options *opt, int print)
{
    report_result res;
    char msg[4600];
    int rc = report_write(opt, &res, msg, sizeof msg);
    if (rc != REPORT_OK) {
        fprintf(stderr, "attune: %s\n", msg);
        return report_exit_code(rc);
    }
    if (res.note[0] != '\0')
        fprintf(stderr, "attune: warning: %s\n", res.note);
    if (print == REPORT_PRINT_PATH) {
        printf("%s\n", res.html_path);
    } else if (print == REPORT_PRINT_ALL) {
        printf("report: %s\n", res.html_path);
        if (res.figures_written > 0)
            printf("figures: %s/ (%d SVG files for papers)\n", res.figures_dir,
                   res.figures_written);
    }
    return EXIT_OK;
}

int cmd_report(int argc, char **argv)
{
    report_options opt = {NULL, NULL, 1};
    int quiet = 0;
    for (int a = 1; a < argc; a++) {
        const char *arg = argv[a];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            printf("%s", report_usage);
            return EXIT_OK;
        } else if (strcmp(arg, "--out") == 0 || strncmp(arg, "--out=", 6) == 0) {
            const char *value = arg[5] == '=' ? arg + 6 : a + 1 < argc ? argv[++a] : NULL;
            if (value == NULL || value[0] == '\0') {
                fprintf(stderr, "attune report: --out needs a file name\n%s", report_usage);
                return EXIT_USAGE;
            }
            opt.out_path = value;
        } else if (strcmp(arg, "--no-figures") == 0) {
            opt.figures = 0;
        } else if (strcmp(arg, "--quiet") == 0) {
            quiet = 1;
        } else if (arg[0] == '-' && arg[1] != '\0') {
            fprintf(stderr, "attune report: unknown option '%s'\n%s", arg, report_usage);
            return EXIT_USAGE;
        } else if (opt.run_dir != NULL) {
            fprintf(stderr, "attune report: more than one run folder given ('%s' and '%s')\n%s",
                    opt.run_dir, arg, report_usage);
            return EXIT_USAGE;
        } else {
            opt.run_dir = arg;
        }
    }
    if (opt.run_dir == NULL) {
        fprintf(stderr, "attune report: which run? give its folder\n%s", report_usage);
        return EXIT_USAGE;
    }
    return report_and_print(&opt, quiet ? REPORT_PRINT_PATH : REPORT_PRINT_ALL);
}
