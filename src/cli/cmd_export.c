/*
 * cmd_export.c - `digitlab export`: runs as CSV (one line per run, or per
 * epoch with --history) or as JSON (everything the store holds of them but
 * the pixels).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/report.h"
#include "util/text.h"

static const char export_help[] =
	"usage: digitlab export [RUN...] [--format csv|json] [--history] [--columns LIST]\n"
	"\n"
	"Write runs to standard output; with no RUN, every run of the store.\n"
	"\n"
	"  --format csv   one line per run (the default): id, name, status, sweep,\n"
	"                 params, epochs, the last epoch's metrics, test metrics,\n"
	"                 time, tags\n"
	"  --history      with csv: one line per epoch of each run instead\n"
	"  --format json  an array of objects: the run, its experiment YAML, note,\n"
	"                 tags, every epoch and its test confusion matrix\n"
	"  --columns LIST each run's METRIC (its last value, best value and epoch\n"
	"                 of the best) or METRIC:last, METRIC:best, METRIC:best_epoch,\n"
	"                 comma-separated, after the other fields (not with\n"
	"                 --history); METRIC is loss, accuracy, val_loss or\n"
	"                 val_accuracy\n";

/*
 * A text field of the CSV. Spreadsheets run a cell that starts with =, +,
 * - or @ as a formula (OWASP's "CSV injection"), so such a cell gets a
 * leading ' and quotes, which makes it text; a control character is
 * written visibly, as everywhere else (util/text.h), so a cell never
 * holds a line break; and a cell with a comma or a quote is quoted.
 * Numbers are written by csv_number, never through here.
 */
static void csv_text(FILE *out, const char *s)
{
	size_t size = TEXT_ESCAPED_SIZE(strlen(s));
	char *text = malloc(size);
	int formula, quote;

	if (!text) {
		fputs("\"\"", out);
		return;
	}
	text_escape(text, size, s, TEXT_ONE_LINE);
	formula = text[0] && strchr("=+-@", text[0]);
	quote = formula || strpbrk(text, ",\"") || text[0] == ' ' ||
		(text[0] && text[strlen(text) - 1] == ' ');
	if (quote)
		fputc('"', out);
	if (formula)
		fputc('\'', out);
	for (const char *p = text; *p; p++) {
		if (*p == '"')
			fputc('"', out);
		fputc(*p, out);
	}
	if (quote)
		fputc('"', out);
	free(text);
}

static void csv_number(FILE *out, double v)
{
	if (!isnan(v) && !isinf(v))
		fprintf(out, "%.9g", v);
}

struct export_options {
	int json, history;
	int64_t *ids;
	int n;
	struct metric_column columns[REPORT_MAX_COLUMNS];
	int n_columns;
};

static void csv_run(FILE *out, const struct store_row *r, const char *tags,
		    const struct export_options *o,
		    const struct store_metric_summary sums[STORE_METRIC_COUNT])
{
	const double metrics[] = {r->loss, r->accuracy, r->val_loss, r->val_accuracy,
				  r->test_loss, r->test_accuracy, r->seconds};

	fprintf(out, "%lld,", (long long)r->id);
	csv_text(out, r->name);
	fprintf(out, ",%s,%lld,", store_status_name(r->status), (long long)r->sweep_id);
	csv_text(out, r->sweep_point);
	fprintf(out, ",%d,%lld,%d", r->repeat, (long long)r->params, r->epochs);
	for (size_t i = 0; i < sizeof metrics / sizeof metrics[0]; i++) {
		fputc(',', out);
		csv_number(out, metrics[i]);
	}
	fputc(',', out);
	if (r->peak_rss > 0)
		fprintf(out, "%lld", (long long)r->peak_rss);
	fputc(',', out);
	csv_text(out, tags);
	for (int i = 0; i < o->n_columns; i++) {
		fputc(',', out);
		csv_number(out, report_column_value(&o->columns[i], sums));
	}
	fputc('\n', out);
}

static void csv_history(FILE *out, int64_t id, const struct store_epoch *e, int n)
{
	for (int i = 0; i < n; i++) {
		const double v[] = {e[i].loss, e[i].accuracy, e[i].val_loss, e[i].val_accuracy,
				    e[i].lr, e[i].seconds};

		fprintf(out, "%lld,%d", (long long)id, e[i].epoch);
		for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
			fputc(',', out);
			csv_number(out, v[k]);
		}
		fputc(',', out);
		csv_text(out, e[i].events ? e[i].events : "");
		fputc('\n', out);
	}
}

static void json_run(FILE *out, const struct store_run *r, const char *tags,
		     const struct store_epoch *e, int n, const int *confusion, int k,
		     const struct export_options *o,
		     const struct store_metric_summary sums[STORE_METRIC_COUNT])
{
	fputc('{', out);
	report_row_json(out, &r->row);
	for (int i = 0; i < o->n_columns; i++) {
		fputc(',', out);
		json_string(out, o->columns[i].name);
		fputc(':', out);
		json_number(out, report_column_value(&o->columns[i], sums));
	}
	json_field_string(out, "message", r->message);
	json_field_string(out, "note", r->notes);
	json_field_string(out, "tags", tags);
	json_field_string(out, "yaml", r->yaml);
	fprintf(out, ",\"history\":[");
	for (int i = 0; i < n; i++) {
		fprintf(out, "%s{\"epoch\":%d", i ? "," : "", e[i].epoch);
		json_field_number(out, "loss", e[i].loss);
		json_field_number(out, "accuracy", e[i].accuracy);
		json_field_number(out, "val_loss", e[i].val_loss);
		json_field_number(out, "val_accuracy", e[i].val_accuracy);
		json_field_number(out, "lr", e[i].lr);
		json_field_number(out, "seconds", e[i].seconds);
		json_field_string(out, "events", e[i].events);
		fputc('}', out);
	}
	fprintf(out, "],\"confusion\":");
	if (!k)
		fprintf(out, "null");
	for (int t = 0; t < k; t++) {
		fputs(t ? ",[" : "[[", out);
		for (int p = 0; p < k; p++)
			fprintf(out, "%s%d", p ? "," : "", confusion[t * k + p]);
		fputs(t == k - 1 ? "]]" : "]", out);
	}
	fputc('}', out);
}

/* One run in the chosen form. */
static int export_one(struct store *s, int64_t id, const struct export_options *o, int first)
{
	struct store_run r;
	struct store_epoch *e = NULL;
	struct store_metric_summary sums[STORE_METRIC_COUNT];
	int confusion[STORE_MAX_CLASSES * STORE_MAX_CLASSES], k = 0, n = 0, found, cfound;
	char tags[512];
	struct dl_error err;

	dl_error_clear(&err);
	if (store_get_run(s, id, &r, &found, &err) != DL_OK) {
		cli_print_error(&err);
		return DL_ERR;
	}
	if (!found) {
		fprintf(stderr, "digitlab export: run %lld was removed while exporting\n",
			(long long)id);
		return DL_ERR;
	}
	if (store_get_tags(s, id, tags, sizeof tags, &err) != DL_OK ||
	    ((o->json || o->history || o->n_columns) &&
	     store_get_history(s, id, &e, &n, &err) != DL_OK) ||
	    store_get_confusion(s, id, "test", &k, confusion, &cfound, &err) != DL_OK) {
		cli_print_error(&err);
		store_run_free(&r);
		return DL_ERR;
	}
	store_metric_summarize_all(e, n, sums);
	if (o->json) {
		if (!first)
			putchar(',');
		json_run(stdout, &r, tags, e, n, confusion, k, o, sums);
	} else if (o->history) {
		csv_history(stdout, id, e, n);
	} else {
		csv_run(stdout, &r.row, tags, o, sums);
	}
	store_epochs_free(e, n);
	store_run_free(&r);
	return DL_OK;
}

static int parse_export(int argc, char **argv, struct store *s, struct export_options *o)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v;
		int taken;

		if ((taken = cli_option_value("export", argc, argv, &i, "--format", &v))) {
			if (taken < 0)
				return EXIT_USAGE;
			if (strcmp(v, "csv") && strcmp(v, "json"))
				return cli_usage_error("export", "--format: expected csv or json, found '%s'", v);
			o->json = !strcmp(v, "json");
		} else if (!strcmp(a, "--history")) {
			o->history = 1;
		} else if ((taken = cli_option_value("export", argc, argv, &i, "--columns", &v))) {
			if (taken < 0 || report_parse_columns("export", v, o->columns, &o->n_columns))
				return EXIT_USAGE;
		} else if (a[0] == '-' && a[1]) {
			return cli_usage_error("export", "unknown option '%s'", a);
		} else if ((taken = cli_run_id("export", s, a, &o->ids[o->n++]))) {
			return taken;
		}
	}
	if (o->history && o->n_columns)
		return cli_usage_error("export", "--columns adds to the line of each run, and "
				       "--history writes a line per epoch: one or the other");
	return 0;
}

int cmd_export(int argc, char **argv)
{
	struct export_options o = {0};
	struct store_row *rows = NULL;
	struct store *s;
	struct dl_error err;
	int status, n_rows = 0;

	if (cli_wants_help(argc, argv, export_help))
		return 0;
	if (cli_open_store(&s) != DL_OK)
		return 1;
	o.ids = calloc((size_t)argc, sizeof *o.ids);
	status = o.ids ? parse_export(argc, argv, s, &o) : 1;
	dl_error_clear(&err);
	if (!status && o.n == 0) {
		if (store_list_runs(s, NULL, &rows, &n_rows, &err) != DL_OK) {
			cli_print_error(&err);
			status = 1;
		}
	}
	if (!status) {
		int n = o.n ? o.n : n_rows;

		if (o.json)
			putchar('[');
		else if (o.history)
			puts("run_id,epoch,loss,accuracy,val_loss,val_accuracy,lr,seconds,events");
		else {
			fputs("id,name,status,sweep_id,sweep_point,repeat,params,epochs,loss,accuracy,"
			      "val_loss,val_accuracy,test_loss,test_accuracy,seconds,peak_rss,tags", stdout);
			for (int i = 0; i < o.n_columns; i++)
				printf(",%s", o.columns[i].name);
			putchar('\n');
		}
		for (int i = 0; i < n && !status; i++)
			if (export_one(s, o.n ? o.ids[i] : rows[i].id, &o, i == 0) != DL_OK)
				status = 1;
		if (o.json)
			puts("]");
	}
	free(rows);
	free(o.ids);
	store_close(s);
	return status;
}
