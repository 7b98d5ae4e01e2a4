/* attune params: the parameter table as a readable list, or as docs/parameters.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "engine/scenario_internal.h"

static void print_row(const attune_param_info *info, const char *label)
{
    char d[64], range[160];
    attune_param_format(info, info->default_value, d, sizeof d);
    attune_param_range_text(info, range, sizeof range);
    printf("  %-40s %-4s = %-10s %s %s\n      %s\n", label, attune_param_type_name(info->type), d,
           range, info->unit, info->doc);
}

int cmd_params(int argc, char **argv)
{
    int markdown = 0, ini = 0;
    for (int a = 1; a < argc; a++) {
        if (strcmp(argv[a], "--markdown") == 0)
            markdown = 1;
        else if (strcmp(argv[a], "--ini") == 0)
            ini = 1;
        else if (strcmp(argv[a], "--help") == 0) {
            printf("Usage: attune params [--markdown | --ini]\n"
                   "Lists every parameter: key, type, default, range, unit and meaning.\n"
                   "--markdown prints the reference kept in docs/parameters.md.\n"
                   "--ini prints the built-in default scenario as a scenario file\n"
                   "(scenarios/default.ini).\n");
            return EXIT_OK;
        } else {
            fprintf(stderr, "attune params: unknown option '%s'; see attune params --help\n",
                    argv[a]);
            return EXIT_USAGE;
        }
    }
    if (markdown || ini) {
        char *text = NULL;
        attune_scenario *defaults = NULL;
        int rc = attune_scenario_create(&defaults);
        if (rc == ATTUNE_OK)
            rc = markdown ? attune_params_markdown(&text) : attune_scenario_to_ini(defaults, &text);
        attune_scenario_free(defaults);
        if (rc != ATTUNE_OK) {
            fprintf(stderr, "attune: out of memory\n");
            return EXIT_MEMORY;
        }
        fputs(text, stdout);
        free(text);
        return EXIT_OK;
    }
    const char *section = "";
    for (size_t i = 0; i < attune_param_count(); i++) {
        const attune_param_info *info = attune_param_at(i);
        if (strcmp(info->section, section) != 0) {
            section = info->section;
            printf("%s[%s]\n", i ? "\n" : "", section);
        }
        print_row(info, info->key);
    }
    for (size_t k = 0; k < attune_entry_kind_count(); k++) {
        const attune_entry_kind_info *kind = attune_entry_kind_at(k);
        printf("\n[%s NAME]  (repeatable)\n  %s\n", kind->kind, kind->doc);
        for (size_t f = 0; f < kind->field_count; f++) {
            const attune_param_info *info = &kind->fields[f];
            print_row(info, info->name);
        }
    }
    return EXIT_OK;
}
