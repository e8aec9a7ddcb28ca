/* Metric columns for ls and export (report.h). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/report.h"

static int add_column(struct metric_column *cols, int *n, enum store_metric m,
		      enum store_metric_part p)
{
	if (*n == REPORT_MAX_COLUMNS)
		return -1;
	cols[*n] = (struct metric_column){.metric = m, .part = p};
	snprintf(cols[*n].name, sizeof cols[*n].name, "%s:%s", store_metric_names[m],
		 store_metric_part_names[p]);
	(*n)++;
	return 0;
}

int report_parse_columns(const char *command, const char *list, struct metric_column *cols,
			 int *n)
{
	char item[64];

	*n = 0;
	for (const char *p = list;; p += strcspn(p, ",") + 1) {
		size_t len = strcspn(p, ",");
		char *colon;
		int metric, part = -1, full;

		if (len == 0 || len >= sizeof item)
			return cli_usage_error(command, "--columns: expected METRIC or METRIC:PART, "
					       "comma-separated, found '%s'", list);
		memcpy(item, p, len);
		item[len] = '\0';
		if ((colon = strchr(item, ':')))
			*colon = '\0';
		if ((metric = store_metric_from_name(item)) < 0)
			return cli_unknown_value(command, "--columns", item, store_metric_names);
		for (int i = 0; colon && store_metric_part_names[i]; i++)
			if (!strcmp(colon + 1, store_metric_part_names[i]))
				part = i;
		if (colon && part < 0)
			return cli_unknown_value(command, "--columns", colon + 1, store_metric_part_names);
		full = colon ? add_column(cols, n, metric, part) :
		       add_column(cols, n, metric, STORE_PART_LAST) ||
		       add_column(cols, n, metric, STORE_PART_BEST) ||
		       add_column(cols, n, metric, STORE_PART_BEST_EPOCH);
		if (full)
			return cli_usage_error(command, "--columns: at most %d columns",
					       REPORT_MAX_COLUMNS);
		if (!p[len])
			return 0;
	}
}

double report_column_value(const struct metric_column *c,
			   const struct store_metric_summary sums[STORE_METRIC_COUNT])
{
	return store_metric_part(&sums[c->metric], c->part);
}
