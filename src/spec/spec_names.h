/*
 * spec_names.h - the names the experiment file uses for enum values, shared
 * by the parser (experiment.c) and the canonical emitter (emit.c).
 *
 * Each table is NULL-terminated and indexed by the matching enum, so
 * spec_activations[NN_ACT_RELU] is "relu". They live in src/spec rather than
 * in the engine so the file format does not move when engine code does.
 */
#ifndef DL_SPEC_SPEC_NAMES_H
#define DL_SPEC_SPEC_NAMES_H

extern const char *const spec_sources[];      /* enum data_source */
extern const char *const spec_activations[];  /* enum nn_activation */
extern const char *const spec_inits[];        /* enum nn_init */
extern const char *const spec_losses[];       /* enum nn_loss */
extern const char *const spec_optims[];       /* enum nn_optim_type */
extern const char *const spec_layer_kinds[];  /* enum nn_layer_kind */
extern const char *const spec_font_kinds[];   /* enum font_kind (bit i of the masks) */
extern const char *const spec_schedules[];    /* enum schedule_type */
extern const char *const spec_monitors[];     /* enum monitor */
extern const char *const spec_units[];        /* enum schedule_unit */

/* table[i], or "?" when i is out of range. */
const char *spec_name(const char *const *table, int i);

#endif
