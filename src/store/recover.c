/*
 * Backing a store up, and rebuilding a damaged one (store.h).
 *
 * SQLite's own salvage (the shell's .recover, the sqlite3_recover API)
 * needs the sqlite_dbpage table, which Debian's SQLite is built without, so
 * the store reads its damaged file itself, page by page, as the file format
 * (sqlite.org/fileformat2.html) lays it out:
 *
 *  1. the database is copied with the online backup API (its log applied)
 *     to runs.db.damaged-TIME, the file that is read, and kept;
 *  2. every b-tree still reachable from the schema on page 1 is walked, and
 *     its rows are copied into a new database of the current schema: these
 *     are the rows as they were last written;
 *  3. every page no walk reached that still holds rows (a leaf cut off by a
 *     damaged page above it) is read too; its rows go to the table whose
 *     columns they fit, unless a row of the same key was already copied;
 *  4. rows of runs whose own row was lost are dropped, but for a run whose
 *     experiment survived: it comes back as a failed run, named as the
 *     experiment says (or "recovered" when its name is written quoted);
 *  5. the new database replaces runs.db, and its log goes with the old one.
 *
 * Freed pages (the freelist) are never read: they hold deleted rows.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/internal.h"

#define MAX_COLUMNS 64

/* ---- the online backup ---- */

int store_backup(struct store *s, const char *path, struct dl_error *err)
{
	sqlite3 *dest = NULL;
	sqlite3_backup *b;
	int fd, rc;

	/* made here, 0600 and new, so that a backup never replaces a file */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return dl_error_set(err, "%s: %s", path, errno == EEXIST ?
				    "already exists: a backup never replaces a file" : strerror(errno));
	close(fd);
	if (sqlite3_open_v2(path, &dest, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		rc = dl_error_set(err, "%s: %s", path, dest ? sqlite3_errmsg(dest) : "cannot open");
		goto fail;
	}
	b = sqlite3_backup_init(dest, "main", s->db, "main");
	if (!b) {
		rc = dl_error_set(err, "%s: cannot back up: %s", path, sqlite3_errmsg(dest));
		goto fail;
	}
	/* a page at a time is what lets writers go on meanwhile; a busy source
	 * is waited out by the step's own busy handling */
	do {
		rc = sqlite3_backup_step(b, 256);
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			sqlite3_sleep(50);
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		rc = dl_error_set(err, "%s: the backup failed: %s", path, sqlite3_errstr(rc));
		goto fail;
	}
	if (sqlite3_close(dest) != SQLITE_OK)
		return dl_error_set(err, "%s: cannot close the backup", path);
	return DL_OK;
fail:
	sqlite3_close(dest);
	unlink(path);
	return rc;
}

/* ---- reading the file ---- */

struct dbfile {
	const unsigned char *data;
	size_t size;
	unsigned page_size, usable;     /* usable: the page less its reserved bytes */
	unsigned n_pages;
	unsigned char *seen;            /* per page: reached by a walk, or free */
};

static unsigned get2(const unsigned char *p) { return (unsigned)p[0] << 8 | p[1]; }

static uint32_t get4(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A varint at p (not past end): its length, 0 when cut short. */
static int get_varint(const unsigned char *p, const unsigned char *end, uint64_t *v)
{
	*v = 0;
	for (int i = 0; i < 9; i++) {
		if (p + i >= end)
			return 0;
		if (i == 8) {
			*v = *v << 8 | p[i];
			return 9;
		}
		*v = *v << 7 | (p[i] & 0x7f);
		if (!(p[i] & 0x80))
			return i + 1;
	}
	return 0;
}

static const unsigned char *page_at(const struct dbfile *f, uint32_t n)
{
	if (n < 1 || n > f->n_pages)
		return NULL;
	return f->data + (size_t)(n - 1) * f->page_size;
}

/* The b-tree header of page n (past the file header on page 1). */
static const unsigned char *btree_header(const struct dbfile *f, uint32_t n)
{
	const unsigned char *p = page_at(f, n);

	return p ? p + (n == 1 ? 100 : 0) : NULL;
}

/* Mark the freelist's pages seen: they hold deleted rows. */
static void mark_free(struct dbfile *f)
{
	uint32_t trunk = get4(f->data + 32);

	for (unsigned guard = 0; trunk && guard < f->n_pages; guard++) {
		const unsigned char *p = page_at(f, trunk);
		uint32_t n;

		if (!p || f->seen[trunk - 1])
			return;
		f->seen[trunk - 1] = 1;
		n = get4(p + 4);
		for (uint32_t i = 0; i < n && 8 + 4 * i + 4 <= f->usable; i++) {
			uint32_t leaf = get4(p + 8 + 4 * i);

			if (leaf >= 1 && leaf <= f->n_pages)
				f->seen[leaf - 1] = 1;
		}
		trunk = get4(p);
	}
}

/* A cell's whole payload, following its overflow chain: malloc'd into
 * *out, or DL_ERR when the cell or its chain is damaged. */
static int cell_payload(const struct dbfile *f, const unsigned char *cell,
			const unsigned char *page_end, uint64_t size, int index_page,
			unsigned char **out)
{
	unsigned U = f->usable, X = index_page ? (U - 12) * 64 / 255 - 23 : U - 35;
	unsigned M = (U - 12) * 32 / 255 - 23;
	uint64_t local = size, K, copied;
	unsigned char *buf;
	uint32_t next;

	if (size > (uint64_t)f->size)
		return DL_ERR;
	if (size > X) {
		K = M + (size - M) % (U - 4);
		local = K <= X ? K : M;
	}
	if (cell + local > page_end || (local < size && cell + local + 4 > page_end))
		return DL_ERR;
	buf = malloc(size ? size : 1);
	if (!buf)
		return DL_ERR;
	memcpy(buf, cell, local);
	copied = local;
	next = local < size ? get4(cell + local) : 0;
	for (unsigned guard = 0; copied < size; guard++) {
		const unsigned char *p = page_at(f, next);
		uint64_t n = size - copied < U - 4 ? size - copied : U - 4;

		if (!p || guard > f->n_pages) {
			free(buf);
			return DL_ERR;
		}
		memcpy(buf + copied, p + 4, n);
		copied += n;
		next = get4(p);
	}
	*out = buf;
	return DL_OK;
}

/* ---- records ---- */

struct value {
	int type;               /* SQLITE_INTEGER, _FLOAT, _TEXT, _BLOB, _NULL */
	int64_t i;
	double d;
	const unsigned char *p;
	int n;
};

/* Decode a record into v (at most MAX_COLUMNS); the number of columns, or
 * -1 when it is not a well-formed record. */
static int decode_record(const unsigned char *rec, uint64_t size, struct value *v)
{
	const unsigned char *end = rec + size, *body;
	uint64_t header, type;
	int used, n = 0;
	const unsigned char *h;

	used = get_varint(rec, end, &header);
	if (!used || header < (uint64_t)used || header > size)
		return -1;
	body = rec + header;
	for (h = rec + used; h < rec + header; h += used) {
		uint64_t len;

		if (n == MAX_COLUMNS || !(used = get_varint(h, rec + header, &type)))
			return -1;
		memset(&v[n], 0, sizeof v[n]);
		if (type == 10 || type == 11)
			return -1;
		len = type >= 12 ? (type - 12) / 2 : type <= 4 ? type : type == 5 ? 6 :
		      type <= 7 ? 8 : 0;
		if (len > (uint64_t)(end - body))
			return -1;
		if (type == 0) {
			v[n].type = SQLITE_NULL;
		} else if (type <= 6) {
			int64_t x = (body[0] & 0x80) ? -1 : 0;

			for (uint64_t k = 0; k < len; k++)
				x = (int64_t)((uint64_t)x << 8 | body[k]);
			v[n].type = SQLITE_INTEGER;
			v[n].i = x;
		} else if (type == 7) {
			uint64_t bits = 0;

			for (int k = 0; k < 8; k++)
				bits = bits << 8 | body[k];
			memcpy(&v[n].d, &bits, sizeof v[n].d);
			v[n].type = SQLITE_FLOAT;
		} else if (type == 8 || type == 9) {
			v[n].type = SQLITE_INTEGER;
			v[n].i = type == 9;
		} else {
			v[n].type = type % 2 ? SQLITE_TEXT : SQLITE_BLOB;
			v[n].p = body;
			v[n].n = (int)len;
		}
		body += len;
		n++;
	}
	return body == end ? n : -1;
}

/* ---- the tables of the new database ---- */

/* A table of the current schema, with its columns' kinds in record order:
 * 'k' the rowid's alias (stored as NULL), i/r/t/b an integer, real, text
 * or blob column that must have a value, I/R/T/B one that may be NULL. */
struct table {
	char name[64];
	int without_rowid;
	int n;
	char kinds[MAX_COLUMNS + 1];
	char cols[MAX_COLUMNS][64];
	sqlite3_stmt *insert;
	long rows;
};

struct salvage {
	struct dbfile f;
	sqlite3 *out;
	struct table tables[32];
	int n_tables;
	int64_t sequence[32];           /* sqlite_sequence's value per table */
	long unplaced;                  /* rows that fit no table */
};

static char kind_of(const char *decl, int notnull, int alias)
{
	char k;

	if (alias)
		return 'k';
	k = strstr(decl, "INT") ? 'i' : strstr(decl, "REAL") ? 'r' : strstr(decl, "TEXT") ? 't' : 'b';
	return notnull ? k : (char)(k - 'a' + 'A');
}

static int load_table(struct salvage *sv, const char *name, int without_rowid,
		      struct dl_error *err)
{
	struct table *t = &sv->tables[sv->n_tables];
	char sql[1400];
	size_t used;
	sqlite3_stmt *st;
	int pks = 0;

	memset(t, 0, sizeof *t);
	snprintf(t->name, sizeof t->name, "%s", name);
	t->without_rowid = without_rowid;
	snprintf(sql, sizeof sql, "PRAGMA table_info(\"%s\")", name);
	if (sqlite3_prepare_v2(sv->out, sql, -1, &st, NULL) != SQLITE_OK)
		return dl_error_set(err, "cannot read the new schema: %s", sqlite3_errmsg(sv->out));
	while (sqlite3_step(st) == SQLITE_ROW && t->n < MAX_COLUMNS) {
		const char *type = (const char *)sqlite3_column_text(st, 2);
		int pk = sqlite3_column_int(st, 5);

		pks += pk > 0;
		snprintf(t->cols[t->n], sizeof t->cols[t->n], "%s",
			 (const char *)sqlite3_column_text(st, 1));
		t->kinds[t->n] = kind_of(type ? type : "", sqlite3_column_int(st, 3),
					 !without_rowid && pk == 1 && type && !strcmp(type, "INTEGER"));
		t->n++;
	}
	sqlite3_finalize(st);
	/* an INTEGER PRIMARY KEY is the rowid's alias only when it is alone */
	for (int c = 0; pks > 1 && c < t->n; c++)
		if (t->kinds[c] == 'k')
			t->kinds[c] = 'i';
	used = (size_t)snprintf(sql, sizeof sql, "INSERT OR IGNORE INTO \"%s\" (%s", name,
				without_rowid ? "" : "rowid");
	for (int c = 0; c < t->n; c++)
		used += (size_t)snprintf(sql + used, sizeof sql - used, "%s\"%s\"",
					 c || !without_rowid ? ", " : "", t->cols[c]);
	used += (size_t)snprintf(sql + used, sizeof sql - used, ") VALUES (");
	for (int c = 0; c < t->n + !without_rowid; c++)
		used += (size_t)snprintf(sql + used, sizeof sql - used, "%s?", c ? ", " : "");
	snprintf(sql + used, sizeof sql - used, ")");
	if (sqlite3_prepare_v2(sv->out, sql, -1, &t->insert, NULL) != SQLITE_OK)
		return dl_error_set(err, "cannot prepare the recovery of %s: %s", name,
				    sqlite3_errmsg(sv->out));
	sv->n_tables++;
	return DL_OK;
}

static int load_tables(struct salvage *sv, struct dl_error *err)
{
	sqlite3_stmt *st;
	int rc = DL_OK;

	if (sqlite3_prepare_v2(sv->out, "SELECT name, sql LIKE '%WITHOUT ROWID%' FROM sqlite_master"
			       " WHERE type = 'table' AND name NOT LIKE 'sqlite_%'", -1, &st,
			       NULL) != SQLITE_OK)
		return dl_error_set(err, "cannot read the new schema: %s", sqlite3_errmsg(sv->out));
	while (rc == DL_OK && sqlite3_step(st) == SQLITE_ROW &&
	       sv->n_tables < (int)(sizeof sv->tables / sizeof sv->tables[0]))
		rc = load_table(sv, (const char *)sqlite3_column_text(st, 0),
				sqlite3_column_int(st, 1), err);
	sqlite3_finalize(st);
	return rc;
}

static struct table *table_named(struct salvage *sv, const char *name, int len)
{
	for (int i = 0; i < sv->n_tables; i++)
		if ((int)strlen(sv->tables[i].name) == len && !memcmp(sv->tables[i].name, name, (size_t)len))
			return &sv->tables[i];
	return NULL;
}

static int value_fits(const struct value *v, char kind)
{
	char k = (char)(kind | 0x20);   /* lower case */
	int may_be_null = kind >= 'A' && kind <= 'Z';

	if (kind == 'k')
		return v->type == SQLITE_NULL;
	if (v->type == SQLITE_NULL)
		return may_be_null;
	switch (k) {
	case 'i': return v->type == SQLITE_INTEGER;
	case 'r': return v->type == SQLITE_FLOAT || v->type == SQLITE_INTEGER;
	case 't': return v->type == SQLITE_TEXT;
	default: return v->type == SQLITE_BLOB;
	}
}

/* Whether a record of n columns fits t: all of them when it is an orphan
 * (a guess by shape), fewer when the walk says whose it is (a row written
 * before a later migration added columns). */
static int row_fits(const struct table *t, const struct value *v, int n, int orphan)
{
	if (n > t->n || (orphan && n != t->n))
		return 0;
	for (int c = 0; c < n; c++)
		if (!value_fits(&v[c], t->kinds[c]))
			return 0;
	return 1;
}

static void bind_value(sqlite3_stmt *st, int i, const struct value *v)
{
	switch (v->type) {
	case SQLITE_INTEGER: sqlite3_bind_int64(st, i, v->i); break;
	case SQLITE_FLOAT: sqlite3_bind_double(st, i, v->d); break;
	case SQLITE_TEXT: sqlite3_bind_text(st, i, (const char *)v->p, v->n, SQLITE_TRANSIENT); break;
	case SQLITE_BLOB: sqlite3_bind_blob(st, i, v->p, v->n, SQLITE_TRANSIENT); break;
	default: sqlite3_bind_null(st, i); break;
	}
}

static void insert_row(struct salvage *sv, struct table *t, int64_t rowid,
		       const struct value *v, int n)
{
	int first = t->without_rowid ? 1 : 2;

	sqlite3_reset(t->insert);
	sqlite3_clear_bindings(t->insert);
	if (!t->without_rowid)
		sqlite3_bind_int64(t->insert, 1, rowid);
	for (int c = 0; c < n; c++) {
		if (t->kinds[c] == 'k')
			sqlite3_bind_int64(t->insert, first + c, rowid);
		else
			bind_value(t->insert, first + c, &v[c]);
	}
	if (sqlite3_step(t->insert) == SQLITE_DONE && sqlite3_changes(sv->out))
		t->rows++;
}

/* sqlite_sequence's rows: the ids AUTOINCREMENT must never give again. */
static void note_sequence(struct salvage *sv, const struct value *v, int n)
{
	struct table *t;

	if (n == 2 && v[0].type == SQLITE_TEXT && v[1].type == SQLITE_INTEGER &&
	    (t = table_named(sv, (const char *)v[0].p, v[0].n)) &&
	    v[1].i > sv->sequence[t - sv->tables])
		sv->sequence[t - sv->tables] = v[1].i;
}

/* ---- walking b-trees ---- */

/* What a walk does with each row: owner is the table when the schema said
 * whose b-tree it is, NULL for an orphan page (placed by its shape), and
 * master set for sqlite_master's own rows (they give the roots). */
struct walk {
	int ignore;             /* an index's b-tree: its pages are only marked seen */
	uint32_t index_roots[64];
	int n_index_roots;
	struct table *owner;
	int sequence;           /* the b-tree is sqlite_sequence */
	int orphan;
	uint32_t roots[32];
	struct table *root_tables[32];
	int sequence_root;
	int n_roots;
	int master;
};

static void take_row(struct salvage *sv, struct walk *w, int64_t rowid, const unsigned char *rec,
		     uint64_t size, int index_page)
{
	struct value v[MAX_COLUMNS];
	int n = decode_record(rec, size, v);

	if (n < 0 || w->ignore)
		return;
	if (w->master) {
		if (n >= 4 && v[0].type == SQLITE_TEXT && v[0].n == 5 && !memcmp(v[0].p, "index", 5) &&
		    v[3].type == SQLITE_INTEGER && w->n_index_roots < (int)(sizeof w->index_roots / sizeof w->index_roots[0]))
			w->index_roots[w->n_index_roots++] = (uint32_t)v[3].i;
		/* type, name, tbl_name, rootpage, sql */
		if (n >= 4 && v[0].type == SQLITE_TEXT && v[0].n == 5 && !memcmp(v[0].p, "table", 5) &&
		    v[3].type == SQLITE_INTEGER && w->n_roots < (int)(sizeof w->roots / sizeof w->roots[0])) {
			if (v[1].n == 15 && !memcmp(v[1].p, "sqlite_sequence", 15))
				w->sequence_root = (int)v[3].i;
			else if ((w->root_tables[w->n_roots] = table_named(sv, (const char *)v[1].p, v[1].n)))
				w->roots[w->n_roots++] = (uint32_t)v[3].i;
		}
		return;
	}
	if (w->sequence) {
		note_sequence(sv, v, n);
		return;
	}
	if (w->owner) {
		if (!!w->owner->without_rowid == index_page && row_fits(w->owner, v, n, 0))
			insert_row(sv, w->owner, rowid, v, n);
		return;
	}
	/* an orphan: the one table of its kind of b-tree its shape fits */
	{
		struct table *fit = NULL;
		int fits = 0;

		if (!index_page)
			note_sequence(sv, v, n);
		for (int i = 0; i < sv->n_tables; i++)
			if (!!sv->tables[i].without_rowid == index_page &&
			    row_fits(&sv->tables[i], v, n, 1)) {
				fit = &sv->tables[i];
				fits++;
			}
		if (fits == 1)
			insert_row(sv, fit, rowid, v, n);
		else
			sv->unplaced++;
	}
}

/* The rows of page pgno (and, with descend, of the b-tree below it). */
static void walk_page(struct salvage *sv, struct walk *w, uint32_t pgno, int descend, int depth)
{
	struct dbfile *f = &sv->f;
	const unsigned char *page = page_at(f, pgno), *h = btree_header(f, pgno), *end;
	unsigned type, cells, header_size;

	if (!page || depth > 40 || (descend && f->seen[pgno - 1]))
		return;
	if (descend)
		f->seen[pgno - 1] = 1;
	end = page + f->usable;
	type = h[0];
	if (type != 2 && type != 5 && type != 10 && type != 13)
		return;
	header_size = type == 2 || type == 5 ? 12 : 8;
	cells = get2(h + 3);
	if (h + header_size + 2 * cells > end)
		return;
	for (unsigned i = 0; i < cells; i++) {
		unsigned off = get2(h + header_size + 2 * i);
		const unsigned char *c = page + off;
		uint64_t size, rowid = 0;
		unsigned char *payload;
		int used;

		if (off < (unsigned)(h - page) + header_size || c >= end)
			continue;
		if (type == 2 || type == 5) {
			if (c + 4 > end)
				continue;
			if (descend)
				walk_page(sv, w, get4(c), 1, depth + 1);
			c += 4;
			if (type == 5)
				continue;       /* a table's interior cell holds only a key */
		}
		if (!(used = get_varint(c, end, &size)))
			continue;
		c += used;
		if (type == 13) {
			if (!(used = get_varint(c, end, &rowid)))
				continue;
			c += used;
		}
		if (cell_payload(f, c, end, size, type != 13, &payload) != DL_OK)
			continue;
		take_row(sv, w, (int64_t)rowid, payload, size, type != 13);
		free(payload);
	}
	if (descend && (type == 2 || type == 5))
		walk_page(sv, w, get4(h + 8), 1, depth + 1);
}

/* Steps 2 and 3: the schema's b-trees, then the pages none of them reached
 * (the indexes' pages are walked only to be set aside: they are rebuilt). */
static void salvage_rows(struct salvage *sv)
{
	struct walk master = {.master = 1};

	walk_page(sv, &master, 1, 1, 0);
	for (int i = 0; i < master.n_index_roots; i++) {
		struct walk w = {.ignore = 1};

		walk_page(sv, &w, master.index_roots[i], 1, 0);
	}
	for (int i = 0; i < master.n_roots; i++) {
		struct walk w = {.owner = master.root_tables[i]};

		walk_page(sv, &w, master.roots[i], 1, 0);
	}
	if (master.sequence_root) {
		struct walk w = {.sequence = 1};

		walk_page(sv, &w, (uint32_t)master.sequence_root, 1, 0);
	}
	for (uint32_t p = 2; p <= sv->f.n_pages; p++) {
		struct walk w = {.orphan = 1};

		if (!sv->f.seen[p - 1])
			walk_page(sv, &w, p, 0, 0);
	}
}

/* Step 4, and the AUTOINCREMENT counters. */
static int tidy(struct salvage *sv, struct store_recovery *r, struct dl_error *err)
{
	static const char *const dependents[] = {"epochs", "tags", "confusion", "misclassified",
						 "artifacts", "sample_sets", "answers", "digits"};
	char sql[512];
	sqlite3_stmt *st;

	/* named as its experiment says when the name is written plain (the
	 * canonical YAML's first line), else "recovered" */
	snprintf(sql, sizeof sql, "INSERT INTO runs (id, name, status, created, message) SELECT "
		 "run_id, CASE WHEN yaml GLOB 'name: [a-zA-Z_/]*' AND instr(yaml, char(10)) > 7 "
		 "THEN substr(yaml, 7, instr(yaml, char(10)) - 7) ELSE 'recovered' END, 'failed', "
		 "%.3f, 'its own row was lost to damage in the store; its experiment and what "
		 "else was found of it were recovered' FROM specs WHERE run_id NOT IN "
		 "(SELECT id FROM runs)", store_now());
	if (sqlite3_exec(sv->out, sql, NULL, NULL, NULL) != SQLITE_OK)
		return dl_error_set(err, "cannot rebuild lost runs: %s", sqlite3_errmsg(sv->out));
	r->placeholders = sqlite3_changes(sv->out);
	for (size_t i = 0; i < sizeof dependents / sizeof dependents[0]; i++) {
		snprintf(sql, sizeof sql, "DELETE FROM %s WHERE run_id NOT IN (SELECT id FROM runs)",
			 dependents[i]);
		if (sqlite3_exec(sv->out, sql, NULL, NULL, NULL) != SQLITE_OK)
			return dl_error_set(err, "cannot drop rows of lost runs: %s",
					    sqlite3_errmsg(sv->out));
		r->dropped += sqlite3_changes(sv->out);
	}
	if (sqlite3_exec(sv->out, "UPDATE runs SET after_id = NULL WHERE after_id NOT IN "
			 "(SELECT id FROM runs); UPDATE runs SET sweep_id = NULL WHERE sweep_id "
			 "NOT IN (SELECT id FROM sweeps)", NULL, NULL, NULL) != SQLITE_OK)
		return dl_error_set(err, "cannot mend references: %s", sqlite3_errmsg(sv->out));
	/* ids are never given twice: the counter is the larger of the one
	 * found and the largest id kept */
	if (sqlite3_prepare_v2(sv->out, "INSERT INTO sqlite_sequence (name, seq) SELECT ?1, "
			       "max(?2, (SELECT coalesce(max(rowid), 0) FROM runs WHERE ?1 = 'runs'),"
			       " (SELECT coalesce(max(rowid), 0) FROM sweeps WHERE ?1 = 'sweeps'))",
			       -1, &st, NULL) != SQLITE_OK)
		return dl_error_set(err, "cannot restore the id counters: %s", sqlite3_errmsg(sv->out));
	sqlite3_exec(sv->out, "DELETE FROM sqlite_sequence", NULL, NULL, NULL);
	for (int i = 0; i < sv->n_tables; i++) {
		if (strcmp(sv->tables[i].name, "runs") && strcmp(sv->tables[i].name, "sweeps"))
			continue;
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, sv->tables[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, sv->sequence[i]);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_finalize(st);
			return dl_error_set(err, "cannot restore the id counters: %s",
					    sqlite3_errmsg(sv->out));
		}
	}
	sqlite3_finalize(st);
	return DL_OK;
}

static int count_runs(sqlite3 *db)
{
	sqlite3_stmt *st;
	int n = 0;

	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM runs", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* Map the damaged copy and size its pages from its header. */
static int map_file(const char *path, struct dbfile *f, struct dl_error *err)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	unsigned ps;

	memset(f, 0, sizeof *f);
	if (fd < 0 || fstat(fd, &st) != 0) {
		if (fd >= 0)
			close(fd);
		return dl_error_set(err, "%s: %s", path, strerror(errno));
	}
	if (st.st_size < 512) {
		close(fd);
		return dl_error_set(err, "%s: too short to hold a database (%lld bytes)", path,
				    (long long)st.st_size);
	}
	f->size = (size_t)st.st_size;
	f->data = mmap(NULL, f->size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (f->data == MAP_FAILED)
		return dl_error_set(err, "%s: cannot map it: %s", path, strerror(errno));
	ps = get2(f->data + 16);
	ps = ps == 1 ? 65536 : ps;
	/* a damaged header: SQLite's default page, which ours always is */
	if (ps < 512 || ps > 65536 || (ps & (ps - 1)))
		ps = 4096;
	f->page_size = ps;
	f->usable = ps - f->data[20];
	if (f->usable < 480)
		f->usable = ps;
	f->n_pages = (unsigned)(f->size / ps);
	f->seen = calloc(f->n_pages, 1);
	if (!f->seen) {
		munmap((void *)f->data, f->size);
		return dl_error_set(err, "out of memory recovering %s", path);
	}
	return DL_OK;
}

static void unmap_file(struct dbfile *f)
{
	if (f->data && f->data != MAP_FAILED)
		munmap((void *)f->data, f->size);
	free(f->seen);
}

/* Step 1: a copy of the database with its log applied, or, when SQLite
 * cannot even read its header, a plain copy of the file. */
static int copy_damaged(const char *path, const char *copy, struct dl_error *err)
{
	struct store src = {0};
	char buf[65536];
	ssize_t n;
	int in, out, rc;

	snprintf(src.path, sizeof src.path, "%s", path);
	if (sqlite3_open_v2(path, &src.db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    store_backup(&src, copy, err) == DL_OK) {
		sqlite3_close(src.db);
		return DL_OK;
	}
	sqlite3_close(src.db);
	unlink(copy);
	in = open(path, O_RDONLY | O_CLOEXEC);
	out = open(copy, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	rc = in >= 0 && out >= 0 ? DL_OK : DL_ERR;
	while (rc == DL_OK && (n = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, (size_t)n) != n)
			rc = DL_ERR;
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out) != 0)
		rc = DL_ERR;
	if (rc != DL_OK) {
		unlink(copy);
		return dl_error_set(err, "%s: cannot copy it to %s: %s", path, copy, strerror(errno));
	}
	return DL_OK;
}

static int rebuild(const char *copy, const char *fresh, struct store_recovery *r,
		   struct dl_error *err)
{
	struct salvage sv;
	int rc;

	memset(&sv, 0, sizeof sv);
	if (store_create_file(fresh, err) != DL_OK)
		return DL_ERR;
	if (sqlite3_open_v2(fresh, &sv.out, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		rc = dl_error_set(err, "%s: %s", fresh, sqlite3_errmsg(sv.out));
		goto out;
	}
	if ((rc = map_file(copy, &sv.f, err)) != DL_OK)
		goto out;
	mark_free(&sv.f);
	if ((rc = load_tables(&sv, err)) != DL_OK)
		goto out;
	sqlite3_exec(sv.out, "PRAGMA foreign_keys = OFF; BEGIN", NULL, NULL, NULL);
	salvage_rows(&sv);
	if ((rc = tidy(&sv, r, err)) != DL_OK ||
	    sqlite3_exec(sv.out, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		if (rc == DL_OK)
			rc = dl_error_set(err, "%s: %s", fresh, sqlite3_errmsg(sv.out));
		goto out;
	}
	for (int i = 0; i < sv.n_tables; i++)
		r->rows += sv.tables[i].rows;
	r->dropped += sv.unplaced;
	r->runs = count_runs(sv.out);
out:
	for (int i = 0; i < sv.n_tables; i++)
		sqlite3_finalize(sv.tables[i].insert);
	sqlite3_close(sv.out);
	unmap_file(&sv.f);
	return rc;
}

int store_recover(const char *dir, struct store_recovery *r, struct dl_error *err)
{
	char path[4096], fresh[4200], side[4200], stamp[32];
	time_t now = time(NULL);
	struct tm tm;

	memset(r, 0, sizeof *r);
	if (!dir) {
		if (store_default_dir(path, sizeof path, err) != DL_OK)
			return DL_ERR;
	} else {
		snprintf(path, sizeof path, "%s", dir);
	}
	localtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
	strncat(path, "/runs.db", sizeof path - strlen(path) - 1);
	snprintf(r->kept, sizeof r->kept, "%s.damaged-%s", path, stamp);
	snprintf(fresh, sizeof fresh, "%s.recovered-%s", path, stamp);
	if (access(path, F_OK) != 0)
		return dl_error_set(err, "%s: %s", path, strerror(errno));
	if (copy_damaged(path, r->kept, err) != DL_OK)
		return DL_ERR;
	if (rebuild(r->kept, fresh, r, err) != DL_OK) {
		unlink(fresh);
		return DL_ERR;
	}
	/* the old log must not be applied to the new file */
	for (int i = 0; i < 2; i++) {
		snprintf(side, sizeof side, "%s%s", path, i ? "-shm" : "-wal");
		if (unlink(side) != 0 && errno != ENOENT)
			return dl_error_set(err, "%s: %s (the recovered store is %s)", side,
					    strerror(errno), fresh);
	}
	if (rename(fresh, path) != 0)
		return dl_error_set(err, "%s: cannot put the recovered store in place: %s (it is %s)",
				    path, strerror(errno), fresh);
	return DL_OK;
}
