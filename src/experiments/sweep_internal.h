/* Internal layout of a sweep: the parsed sweep file and its design points. */
#ifndef ATTUNE_SWEEP_INTERNAL_H
#define ATTUNE_SWEEP_INTERNAL_H

#include <stdint.h>

#include "attune/sweep.h"
#include "attune/validation.h"

enum sweep_design { DESIGN_GRID = 0, DESIGN_LHS, DESIGN_SOBOL, DESIGN_MORRIS };

/* What a run evaluates: the simulation, or the Ishigami test function (to check the
 * sensitivity analysis against known indices). */
enum sweep_model { MODEL_SIMULATION = 0, MODEL_ISHIGAMI };

/* Kinds of design point, for the sensitivity estimators. */
enum point_block {
    BLOCK_GRID = 0,   /* grid or Latin hypercube point */
    BLOCK_A = 1,      /* Saltelli matrix A, row `sample` */
    BLOCK_B = 2,      /* Saltelli matrix B, row `sample` */
    BLOCK_AB = 3,     /* A with column `factor` taken from B, row `sample` */
    BLOCK_MORRIS = 4, /* step `step` of trajectory `sample`; step > 0 moved `factor` */
};

#define SWEEP_MAX_FACTORS 20 /* Sobol sequences of GSL reach 40 dimensions = 2 x 20 factors */
#define SWEEP_MAX_POINTS  1000000
#define SWEEP_MAX_RUNS    10000000
#define SWEEP_MAX_VALUES  1000 /* values of one grid factor */

typedef struct sweep_factor {
    char key[128]; /* parameter key ("interaction.noise") or entry field, or a test-function name */
    double min, max;
    bool log_scale;
    bool integer;   /* an INT parameter: values are rounded */
    double *values; /* grid: the values, ascending as given */
    size_t value_count;
    int line; /* line of its [vary] header */
} sweep_factor;

typedef struct sweep_point {
    uint8_t block;  /* enum point_block */
    int32_t sample; /* Saltelli row or Morris trajectory; -1 for grid points */
    int32_t step;   /* Morris step (0 = start); -1 otherwise */
    int32_t factor; /* factor of an AB row or moved by a Morris step; -1 otherwise */
    int8_t sign;    /* Morris: +1 or -1, the direction of the move in unit space */
} sweep_point;

/* A calibration ([calibrate] file): which target parts its distance uses and what it accepts. */
typedef struct sweep_calibration {
    int parts[ATTUNE_TARGET_PART_COUNT]; /* indices of attune_target_at, in the file's order */
    size_t part_count;
    double accept;  /* share of scored points accepted (the nearest), or 0 with epsilon */
    double epsilon; /* accept every point at most this far, or 0 with accept */
} sweep_calibration;

struct attune_sweep {
    char path[1024];     /* the sweep file, for messages and the database */
    char *plan;          /* canonical text of everything that determines the runs */
    int design;          /* enum sweep_design */
    int model;           /* enum sweep_model */
    size_t samples;      /* lhs: points; sobol: base samples N; morris: trajectories */
    int levels;          /* morris: levels p of the grid in unit space */
    double morris_delta; /* morris: step p / (2 (p - 1)) in unit space */
    int replicates;
    uint64_t seed;         /* master seed */
    bool weekly;           /* store the weekly series, not only the summaries */
    attune_scenario *base; /* the base scenario with [set] applied */
    sweep_factor *factors;
    size_t factor_count;
    size_t point_count;
    sweep_point *points;
    double *values;   /* point_count x factor_count: the value of each factor at each point */
    bool calibration; /* read from a [calibrate] file: runs also measure the targets */
    sweep_calibration calib;
};

typedef struct sqlite3_stmt sqlite3_stmt;

/* Binds `v` to parameter `col` of a prepared statement, NULL when it is not finite (NaN: no
 * value) (sweep_store.c). */
void sweep_bind_real(sqlite3_stmt *st, int col, double v);

/* Builds the design points of a parsed sweep (sweep_design.c). */
int sweep_design_build(attune_sweep *sweep, attune_error *err);

/* Design names, in enum order. */
extern const char *const sweep_design_names[4];

#endif
