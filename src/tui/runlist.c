/* Lists of runs as views show them (runlist.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tui/runlist.h"

int run_is_active(enum store_status st)
{
	return st == STORE_RUNNING || st == STORE_QUEUED || st == STORE_PAUSED ||
	       st == STORE_INTERRUPTED;
}

static int grow(struct run_list *l, int n_rows)
{
	int *index = realloc(l->index, sizeof *index * (size_t)(n_rows ? n_rows : 1));

	if (!index)
		return -1;
	l->index = index;
	l->n = 0;
	return 0;
}

void run_list_free(struct run_list *l)
{
	free(l->index);
	memset(l, 0, sizeof *l);
}

/* qsort has no context argument: the rows and the filter being sorted */
static const struct store_row *sort_rows;
static const struct run_filter *sort_filter;

/* Overview order: running first, then waiting in queue order, then the most
 * recently finished. */
static int overview_order(const void *pa, const void *pb)
{
	const struct store_row *a = &sort_rows[*(const int *)pa];
	const struct store_row *b = &sort_rows[*(const int *)pb];
	int ra = a->status == STORE_RUNNING ? 0 : run_is_active(a->status) ? 1 : 2;
	int rb = b->status == STORE_RUNNING ? 0 : run_is_active(b->status) ? 1 : 2;

	if (ra != rb)
		return ra - rb;
	if (ra == 2 && a->finished != b->finished)
		return a->finished > b->finished ? -1 : 1;
	if (ra == 1 && a->priority != b->priority)
		return a->priority > b->priority ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

void run_list_overview(struct run_list *l, const struct store_row *rows, int n_rows, int recent)
{
	int finished = 0;

	if (grow(l, n_rows) != 0)
		return;
	for (int i = 0; i < n_rows; i++)
		if (run_is_active(rows[i].status))
			l->index[l->n++] = i;
	for (int i = n_rows - 1; i >= 0 && finished < recent; i--)
		if (!run_is_active(rows[i].status)) {
			l->index[l->n++] = i;
			finished++;
		}
	sort_rows = rows;
	qsort(l->index, (size_t)l->n, sizeof *l->index, overview_order);
}

static double sort_value(const struct store_row *r, enum store_sort key)
{
	switch (key) {
	case STORE_SORT_PARAMS: return (double)r->params;
	case STORE_SORT_EPOCHS: return r->epochs;
	case STORE_SORT_ACCURACY: return r->accuracy;
	case STORE_SORT_VAL_ACCURACY: return r->best_val_accuracy;
	case STORE_SORT_TEST_ACCURACY: return r->test_accuracy;
	case STORE_SORT_SECONDS: return r->seconds;
	case STORE_SORT_CREATED: return r->created;
	case STORE_SORT_STATUS: return r->status;
	default: return (double)r->id;
	}
}

/* Runs without the value last either way, ties by id. */
static int by_sort_key(const void *pa, const void *pb)
{
	const struct store_row *a = &sort_rows[*(const int *)pa];
	const struct store_row *b = &sort_rows[*(const int *)pb];
	int c;

	if (sort_filter->sort == STORE_SORT_NAME) {
		c = strcmp(a->name, b->name);
	} else {
		double x = sort_value(a, sort_filter->sort), y = sort_value(b, sort_filter->sort);

		if (isnan(x) != isnan(y))
			return isnan(x) ? 1 : -1;
		c = isnan(x) || x == y ? 0 : x < y ? -1 : 1;
	}
	if (sort_filter->descending)
		c = -c;
	return c ? c : a->id < b->id ? -1 : a->id > b->id;
}

static int cmp_id(const void *pa, const void *pb)
{
	int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;

	return a < b ? -1 : a > b;
}

static int keeps(const struct run_filter *f, const struct store_row *r)
{
	if (f->status >= 0 && (int)r->status != f->status)
		return 0;
	if (f->sweep_id && (r->sweep_id != f->sweep_id || strcmp(r->sweep_point, f->point)))
		return 0;
	if (f->n_tagged >= 0 &&
	    !bsearch(&r->id, f->tagged, (size_t)f->n_tagged, sizeof *f->tagged, cmp_id))
		return 0;
	return !f->text[0] || strstr(r->name, f->text) ||
	       (r->sweep_point[0] && strstr(r->sweep_point, f->text));
}

/* Grouped: the first run of each sweep point stands for it. */
static int first_of_point(const struct store_row *rows, int i)
{
	const struct store_row *r = &rows[i];

	if (!r->sweep_id)
		return 1;
	for (int j = 0; j < i; j++)
		if (rows[j].sweep_id == r->sweep_id && !strcmp(rows[j].sweep_point, r->sweep_point))
			return 0;
	return 1;
}

void run_list_filter(struct run_list *l, const struct store_row *rows, int n_rows,
		     const struct run_filter *f)
{
	if (grow(l, n_rows) != 0)
		return;
	for (int i = 0; i < n_rows; i++)
		if (keeps(f, &rows[i]) && (!f->group || first_of_point(rows, i)))
			l->index[l->n++] = i;
	sort_rows = rows;
	sort_filter = f;
	qsort(l->index, (size_t)l->n, sizeof *l->index, by_sort_key);
}

static int line_of(const struct run_list *l, const struct store_row *rows, int64_t id)
{
	for (int i = 0; id && i < l->n; i++)
		if (rows[l->index[i]].id == id)
			return i;
	return -1;
}

int64_t run_list_at(const struct run_list *l, const struct store_row *rows, int line)
{
	return line >= 0 && line < l->n ? rows[l->index[line]].id : 0;
}

int64_t run_list_keep(struct run_list *l, const struct store_row *rows, int64_t selected)
{
	int line = line_of(l, rows, selected);

	if (line < 0)
		line = l->pos < l->n ? l->pos : l->n - 1;
	l->pos = line < 0 ? 0 : line;
	return run_list_at(l, rows, line);
}

int64_t run_list_move(struct run_list *l, const struct store_row *rows, int64_t selected, int by)
{
	int line = line_of(l, rows, selected);

	line = (line < 0 ? l->pos : line) + by;
	if (line >= l->n)
		line = l->n - 1;
	if (line < 0)
		line = 0;
	l->pos = line;
	return run_list_at(l, rows, line);
}

void run_list_scroll(struct run_list *l, int rows)
{
	if (l->pos < l->top)
		l->top = l->pos;
	if (l->pos >= l->top + rows)
		l->top = l->pos - rows + 1;
	if (l->top > l->n - rows)
		l->top = l->n - rows;
	if (l->top < 0)
		l->top = 0;
}
