/*
 * yaml_tree.h - one YAML document as a small tree of nodes that remember
 * where they came from, and --set overrides applied to that tree.
 *
 * libyaml's own document loader turns aliases into shared nodes, which a
 * recursive walk would expand without bound ("billion laughs"); we build the
 * tree from libyaml's event stream instead and refuse anchors, aliases and
 * tags outright. Depth and node count are bounded (YTREE_MAX_DEPTH,
 * YTREE_MAX_NODES) so a hostile file fails fast with a clear message.
 *
 * Every node carries its 1-based line and column and its origin: -1 for the
 * file, i >= 0 for the i-th override, so that a later validation error can
 * point at the --set that introduced the bad value instead of a file line.
 */
#ifndef DL_SPEC_YAML_TREE_H
#define DL_SPEC_YAML_TREE_H

#include <stddef.h>

#include "util/error.h"

#define YTREE_MAX_DEPTH 64
#define YTREE_MAX_NODES 1000000

enum ynode_type {
	YNODE_SCALAR,
	YNODE_MAPPING,
	YNODE_SEQUENCE,
};

struct ynode {
	enum ynode_type type;
	int line, col;          /* 1-based; 0 for nodes made by an override */
	int origin;             /* -1: the file; i >= 0: overrides[i] */
	char *text;             /* scalar: the value (NUL-terminated), owned */
	int quoted;             /* scalar: written quoted or as a block scalar */
	int n;                  /* kids: a mapping's keys and values, a sequence's items */
	int cap;                /* allocated slots in kids */
	struct ynode **kids;    /* mapping: key0, value0, key1, value1, ...
	                           (keys are always scalars); sequence: items */
};

/* Parse one YAML document. Errors are reported in file errfile; with
 * origin >= 0 (an override's value) they carry no line/column. On success
 * *root is the document's root node, or NULL when the stream holds no
 * document at all (empty text, or only comments). The caller frees *root. */
int ytree_parse(struct ynode **root, const char *text, size_t len,
		const char *errfile, int origin, struct dl_error *err);

/* Free a node and everything under it. NULL is fine. */
void ytree_free(struct ynode *n);

/* Apply override number `origin`, "KEY=VALUE", to the tree under root (a
 * mapping). KEY is a dotted path with [i] indexes (model.layers[0].dense.units);
 * VALUE is parsed as YAML (empty means null). The last key is set or added;
 * missing intermediate mappings are created; an index must exist. New nodes
 * get origin `origin`. Errors are reported as "--set KEY=VALUE: error: ...". */
int ytree_apply_override(struct ynode *root, const char *override, int origin,
			 struct dl_error *err);

/* 1 for a plain null scalar: "", "~", "null", "Null", "NULL". */
int ynode_is_null(const struct ynode *n);

/* The value of key in a mapping (first occurrence), or NULL. */
struct ynode *ynode_get(const struct ynode *map, const char *key);

/* Make a node (origin and position given); NULL when out of memory. */
struct ynode *ynode_new(enum ynode_type type, int line, int col, int origin);

#endif
