#include "cli/report.h"

#include <math.h>
#include <string.h>
#include <time.h>

#include "store/store.h"
#include "util/format.h"
#include "util/text.h"

const char *run_status_name(enum run_status s)
{
	switch (s) {
	case RUN_DONE: return "done";
	case RUN_DIVERGED: return "diverged";
	case RUN_CANCELLED: return "cancelled";
	case RUN_PRUNED: return "pruned";
	}
	return "unknown";
}

void report_wrapped(FILE *out, const char *text, int indent)
{
	enum { COLUMNS = 80 };
	int col = 0, line_empty = 1;

	while (*text) {
		size_t word = strcspn(text, " ");

		if (!line_empty && col + 1 + (int)word > COLUMNS) {
			fprintf(out, "\n%*s", indent, "");
			col = indent;
		} else if (!line_empty) {
			fputc(' ', out);
			col++;
		}
		line_empty = 0;
		fprintf(out, "%.*s", (int)word, text);
		col += (int)word;
		text += word;
		text += strspn(text, " ");
	}
	fputc('\n', out);
}

void report_epoch_header(FILE *out, int epoch_width, int has_val)
{
	fprintf(out, "%*s %9s %9s", epoch_width, "epoch", "loss", "accuracy");
	if (has_val)
		fprintf(out, " %9s %13s", "val_loss", "val_accuracy");
	fprintf(out, " %9s %7s\n", "lr", "time");
}

/* A metric in 9 columns: 4 decimals while they fit, else 4 digits. */
static void metric_cell(FILE *out, double v, int width)
{
	if (isnan(v))
		fprintf(out, " %*s", width, "-");
	else if (fabs(v) < 1000)
		fprintf(out, " %*.4f", width, v);
	else
		fprintf(out, " %*.4g", width, v);
}

void report_epoch_row(FILE *out, const struct epoch_metrics *m, int epochs, int epoch_width,
		      int has_val)
{
	char epoch[32], secs[16];

	snprintf(epoch, sizeof epoch, "%d/%d", m->epoch, epochs);
	fprintf(out, "%*s", epoch_width, epoch);
	metric_cell(out, m->loss, 9);
	metric_cell(out, m->accuracy, 9);
	if (has_val) {
		metric_cell(out, m->val_loss, 9);
		metric_cell(out, m->val_accuracy, 13);
	}
	fprintf(out, " %9.4g %7s\n", m->lr, format_duration(m->seconds, secs, sizeof secs));
	if (m->events[0]) {
		fprintf(out, "%*s ", epoch_width, "");
		text_fputs(m->events, out, TEXT_ONE_LINE);
		fputc('\n', out);
	}
}

const char *report_class_name(const char (*names)[DATA_CLASS_NAME_MAX], int k, char *buf,
			      size_t size)
{
	if (names && names[k][0])
		snprintf(buf, size, "%s", names[k]);
	else
		snprintf(buf, size, "%d", k);
	return buf;
}

/* Columns a name takes (UTF-8 continuation bytes take none). */
static int name_width(const char *s)
{
	int w = 0;

	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

/* The name padded on the left to width columns, or cut to them. */
static void put_name(FILE *out, const char *name, int width)
{
	int w = name_width(name), cols = 0;

	for (int i = w; i < width; i++)
		fputc(' ', out);
	for (const char *s = name; *s; s++) {
		if (((unsigned char)*s & 0xc0) != 0x80 && ++cols > width)
			break;
		fputc(*s, out);
	}
}

/* The widest name, at least min and at most max columns. */
static int names_width(const char (*names)[DATA_CLASS_NAME_MAX], int K, int min, int max)
{
	char buf[DATA_CLASS_NAME_MAX];
	int w = min;

	for (int k = 0; k < K; k++) {
		int n = name_width(report_class_name(names, k, buf, sizeof buf));

		w = n > w ? n : w;
	}
	return w < max ? w : max;
}

void report_confusion(FILE *out, const struct evaluation *ev,
		      const char (*names)[DATA_CLASS_NAME_MAX])
{
	int K = ev->n_classes, row_w = names_width(names, K, 2, 16);
	int col_w = names_width(names, K, 5, 8);
	char buf[DATA_CLASS_NAME_MAX];

	fprintf(out, "Confusion matrix (rows: true class, columns: predicted)\n");
	fprintf(out, "%*s", row_w + 3, "");
	for (int p = 0; p < K; p++) {
		fputc(' ', out);
		put_name(out, report_class_name(names, p, buf, sizeof buf), col_w);
	}
	fprintf(out, "\n");
	for (int t = 0; t < K; t++) {
		fprintf(out, "  ");
		put_name(out, report_class_name(names, t, buf, sizeof buf), row_w);
		fputc(' ', out);
		for (int p = 0; p < K; p++)
			fprintf(out, " %*d", col_w, ev->confusion[t][p]);
		fprintf(out, "\n");
	}
}

void report_per_class_error(FILE *out, const struct evaluation *ev,
			    const char (*names)[DATA_CLASS_NAME_MAX])
{
	int row_w = names_width(names, ev->n_classes, 2, 16);
	char buf[DATA_CLASS_NAME_MAX];

	fprintf(out, "Per-class error\n");
	for (int t = 0; t < ev->n_classes; t++) {
		int total = 0, wrong;

		for (int p = 0; p < ev->n_classes; p++)
			total += ev->confusion[t][p];
		wrong = total - ev->confusion[t][t];
		fprintf(out, "  ");
		put_name(out, report_class_name(names, t, buf, sizeof buf), row_w);
		fprintf(out, "  %6.2f%%  (%d of %d)\n", total ? 100.0 * wrong / total : 0.0,
			wrong, total);
	}
}

/* Escapes every character text_is_unsafe() names, not only those JSON
 * requires, so that JSON printed to a terminal is as safe as any other
 * output; a byte that is not UTF-8 (JSON cannot hold one) becomes U+FFFD. */
void json_string(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	fputc('"', out);
	for (size_t i = 0; i < n;) {
		uint32_t c;
		int len = text_utf8_next(p + i, n - i, &c);

		if (!len) {
			fputs("\\ufffd", out);
			i++;
			continue;
		}
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", (char)c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c == '\t')
			fputs("\\t", out);
		else if (text_is_unsafe(c))
			fprintf(out, "\\u%04x", (unsigned)c);
		else
			fwrite(p + i, 1, (size_t)len, out);
		i += (size_t)len;
	}
	fputc('"', out);
}

void json_number(FILE *out, double v)
{
	if (isfinite(v))
		fprintf(out, "%.9g", v);
	else
		fputs("null", out);
}

static void json_history(FILE *out, const struct run_result *r)
{
	fputs("[", out);
	for (int i = 0; i < r->epochs; i++) {
		const struct epoch_metrics *m = &r->history[i];

		fprintf(out, "%s{\"epoch\":%d,\"loss\":", i ? "," : "", m->epoch);
		json_number(out, m->loss);
		fputs(",\"accuracy\":", out);
		json_number(out, m->accuracy);
		fputs(",\"val_loss\":", out);
		json_number(out, m->val_loss);
		fputs(",\"val_accuracy\":", out);
		json_number(out, m->val_accuracy);
		fputs(",\"lr\":", out);
		json_number(out, m->lr);
		fputs(",\"seconds\":", out);
		json_number(out, m->seconds);
		if (m->events[0]) {
			fputs(",\"events\":", out);
			json_string(out, m->events);
		}
		fputs("}", out);
	}
	fputs("]", out);
}

static void json_confusion(FILE *out, const struct evaluation *ev)
{
	fputs("[", out);
	for (int t = 0; t < ev->n_classes; t++) {
		fputs(t ? ",[" : "[", out);
		for (int p = 0; p < ev->n_classes; p++)
			fprintf(out, "%s%d", p ? "," : "", ev->confusion[t][p]);
		fputs("]", out);
	}
	fputs("]", out);
}

void report_run_json(FILE *out, const struct experiment *exp,
		     const struct run_result *r, int threads)
{
	int done = r->status == RUN_DONE;

	fputs("{\"name\":", out);
	json_string(out, exp->name);
	fputs(",\"status\":", out);
	json_string(out, run_status_name(r->status));
	fprintf(out, ",\"seed\":%llu,\"threads\":%d,\"params\":%zu,\"epochs\":%d",
		(unsigned long long)exp->seed, threads, r->params, r->epochs);
	if (r->best_epoch)
		fprintf(out, ",\"best_epoch\":%d,\"stopped_early\":%s", r->best_epoch,
			r->stopped_early ? "true" : "false");
	fputs(",\"test_accuracy\":", out);
	json_number(out, done ? r->test.accuracy : NAN);
	fputs(",\"test_loss\":", out);
	json_number(out, done ? r->test.loss : NAN);
	fputs(",\"seconds\":", out);
	json_number(out, r->seconds);
	if (!done) {
		fputs(",\"message\":", out);
		json_string(out, r->message);
	}
	fputs(",\"history\":", out);
	json_history(out, r);
	if (done) {
		fputs(",\"confusion\":", out);
		json_confusion(out, &r->test);
	}
	fputs("}", out);
}


/* "0.9512", or "-" for none. */
const char *fmt_metric(double v, char *buf, size_t size)
{
	if (isnan(v))
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%.4f", v);
	return buf;
}

/* 597066 -> "597,066"; 0 -> "-". */
const char *fmt_count(int64_t n, char *buf, size_t size)
{
	char digits[32];
	int len, out = 0;

	if (n <= 0)
		return snprintf(buf, size, "-"), buf;
	len = snprintf(digits, sizeof digits, "%lld", (long long)n);
	for (int i = 0; i < len && out + 2 < (int)size; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			buf[out++] = ',';
		buf[out++] = digits[i];
	}
	buf[out] = '\0';
	return buf;
}

const char *fmt_time(double t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0)
		return snprintf(buf, size, "-"), buf;
	localtime_r(&tt, &tm);
	strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm);
	return buf;
}


void json_field_number(FILE *out, const char *key, double v)
{
	fprintf(out, ",\"%s\":", key);
	json_number(out, v);
}

void json_field_string(FILE *out, const char *key, const char *s)
{
	fprintf(out, ",\"%s\":", key);
	json_string(out, s ? s : "");
}

/* Unix seconds to the millisecond (%.9g would round them to ten seconds);
 * 0, not yet, is null. */
static void json_field_time(FILE *out, const char *key, double t)
{
	if (t > 0)
		fprintf(out, ",\"%s\":%.3f", key, t);
	else
		fprintf(out, ",\"%s\":null", key);
}

/* Bytes of the first n characters of s (a byte that is not UTF-8 counts
 * as one character, as text_escape shows it as one escape). */
static size_t utf8_prefix(const char *s, int n)
{
	size_t at = 0, len = strlen(s);
	uint32_t cp;

	for (int i = 0; i < n && at < len; i++) {
		int k = text_utf8_next((const unsigned char *)s + at, len - at, &cp);

		at += k > 0 ? (size_t)k : 1;
	}
	return at;
}

static int utf8_length(const char *s)
{
	int n = 0;

	for (size_t at = 0, len = strlen(s); at < len; n++)
		at += utf8_prefix(s + at, 1);
	return n;
}

const char *report_run_name(const struct store_row *r, int width, char *buf, size_t size)
{
	const char *name = r->name, *point = r->sweep_point;
	int name_n = utf8_length(name), point_n = utf8_length(point);

	if (!point[0] && (width <= 0 || name_n <= width))
		snprintf(buf, size, "%s", name);
	else if (!point[0])
		snprintf(buf, size, "%.*s~", (int)utf8_prefix(name, width - 1), name);
	else if (width <= 0 || name_n + 1 + point_n <= width)
		snprintf(buf, size, "%s %s", name, point);
	else if (point_n + 3 <= width)
		snprintf(buf, size, "%.*s~ %s", (int)utf8_prefix(name, width - point_n - 2), name,
			 point);
	else
		snprintf(buf, size, "~%s", point + utf8_prefix(point, point_n - (width - 1)));
	return buf;
}

void report_row_json(FILE *out, const struct store_row *r)
{
	fprintf(out, "\"id\":%lld", (long long)r->id);
	json_field_string(out, "name", r->name);
	json_field_string(out, "status", store_status_name(r->status));
	fprintf(out, ",\"priority\":%d,\"params\":%lld,\"epochs\":%d", r->priority,
		(long long)r->params, r->epochs);
	json_field_number(out, "loss", r->loss);
	json_field_number(out, "accuracy", r->accuracy);
	json_field_number(out, "val_loss", r->val_loss);
	json_field_number(out, "val_accuracy", r->val_accuracy);
	json_field_number(out, "best_val_accuracy", r->best_val_accuracy);
	json_field_number(out, "test_loss", r->test_loss);
	json_field_number(out, "test_accuracy", r->test_accuracy);
	json_field_number(out, "seconds", r->seconds);
	json_field_time(out, "created", r->created);
	json_field_time(out, "started", r->started);
	json_field_time(out, "finished", r->finished);
	fprintf(out, ",\"sweep_id\":%lld", (long long)r->sweep_id);
	json_field_string(out, "sweep_point", r->sweep_point);
	fprintf(out, ",\"repeat\":%d", r->repeat);
	json_field_string(out, "worker", r->worker);
	/* bytes; null when the process that trained it did not say */
	if (r->peak_rss > 0)
		fprintf(out, ",\"peak_rss\":%lld", (long long)r->peak_rss);
	else
		fputs(",\"peak_rss\":null", out);
}
