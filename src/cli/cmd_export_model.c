/*
 * cmd_export_model.c - `digitlab export-model RUN|MODEL_FILE -o FILE.onnx`:
 * a trained model as an ONNX file (nn/onnx.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "cli/cli.h"
#include "nn/onnx.h"
#include "train/checkpoint.h"
#include "train/restore.h"
#include "util/text.h"

static const char export_model_help[] =
	"usage: digitlab export-model RUN|MODEL_FILE -o FILE.onnx\n"
	"\n"
	"Write a trained model as an ONNX file (opset 13), for ONNX Runtime and\n"
	"every other runtime that reads ONNX. RUN is a run of the store (an id or\n"
	"a name: its last checkpoint), MODEL_FILE a file written by\n"
	"`digitlab run --checkpoint`. The graph's input \"input\" is float32\n"
	"[N, 1, H, W], pixels in [0, 1] (the experiment's data.scale is applied\n"
	"inside the graph); its output \"output\" is float32 [N, classes], the\n"
	"class probabilities after a softmax. The class names are in the model's\n"
	"metadata under \"classes\", one a line. See digitlab-model(5).\n"
	"\n"
	"  -o, --output FILE  where to write the ONNX file\n";

/* The model file a RUN argument names: its checkpoint in the store. */
static int run_checkpoint(const char *arg, char *path, size_t size)
{
	struct store_run run;
	struct store *s;
	struct dl_error err;
	int64_t id;
	int found, rc = DL_ERR;

	if (cli_open_store(&s) != DL_OK)
		return DL_ERR;
	dl_error_clear(&err);
	if (cli_run_id("export-model", s, arg, &id) != DL_OK)
		goto out;
	if (store_get_run(s, id, &run, &found, &err) != DL_OK) {
		cli_print_error(&err);
		goto out;
	}
	if (!run.checkpoint[0] || access(run.checkpoint, R_OK) != 0)
		fprintf(stderr, "digitlab export-model: run %lld has no model file yet (it has "
			"not finished an epoch, or its checkpoint was removed)\n", (long long)id);
	else
		rc = snprintf(path, size, "%s", run.checkpoint) < (int)size ? DL_OK : DL_ERR;
	store_run_free(&run);
out:
	store_close(s);
	return rc;
}

/* Is arg a model file (rather than a run id or name)? */
static int is_model_file(const char *arg)
{
	char magic[8] = "";
	FILE *f = fopen(arg, "rb");

	if (!f)
		return 0;
	if (fread(magic, 1, sizeof magic, f) != sizeof magic)
		magic[0] = '\0';
	fclose(f);
	return !memcmp(magic, CHECKPOINT_MAGIC, sizeof CHECKPOINT_MAGIC);
}

static int write_file(const char *path, const unsigned char *data, size_t len,
		      struct dl_error *err)
{
	FILE *f = fopen(path, "wb");
	size_t wrote;
	int e, closed;

	if (!f)
		return dl_error_at(err, path, 0, 0, "%s", strerror(errno));
	errno = 0;
	wrote = fwrite(data, 1, len, f);
	e = errno;
	closed = fclose(f);
	if (wrote != len || closed != 0) {
		e = e ? e : errno ? errno : EIO;
		unlink(path);          /* half an ONNX file is no ONNX file */
		return dl_error_at(err, path, 0, 0, "cannot write: %s", strerror(e));
	}
	return DL_OK;
}

static int export_model(const char *model_path, const char *out_path)
{
	const char *names[CHECKPOINT_MAX_CLASSES];
	struct restored_model r;
	struct nn_onnx_opts o;
	struct dl_error err;
	unsigned char *bytes = NULL;
	size_t len;
	int rc = 1;

	dl_error_clear(&err);
	if (restore_model(model_path, 1, &r, &err) != DL_OK) {
		cli_print_error(&err);
		return 1;
	}
	for (int k = 0; k < r.n_classes; k++)
		names[k] = r.class_names[k];
	o = (struct nn_onnx_opts){.input_scale = r.exp.data.scale, .n_classes = r.n_classes,
				  .class_names = names, .graph_name = r.exp.name,
				  .producer_version = PACKAGE_VERSION};
	if (nn_onnx_encode(r.model, &o, &bytes, &len, &err) != DL_OK ||
	    write_file(out_path, bytes, len, &err) != DL_OK) {
		cli_print_error(&err);
	} else {
		text_fputs(out_path, stdout, TEXT_ONE_LINE);
		printf(": %s, %d layers, %zu parameters, ONNX opset %d (%zu bytes)\n", r.exp.name,
		       r.exp.model.n_layers, nn_model_param_count(r.model), NN_ONNX_OPSET, len);
		rc = 0;
	}
	free(bytes);
	restored_model_free(&r);
	return rc;
}

int cmd_export_model(int argc, char **argv)
{
	const char *arg = NULL, *out = NULL, *v;
	char path[4096];
	int taken;

	if (cli_wants_help(argc, argv, export_model_help))
		return 0;
	for (int i = 1; i < argc; i++) {
		if ((taken = cli_option_value("export-model", argc, argv, &i, "-o", &v)) ||
		    (taken = cli_option_value("export-model", argc, argv, &i, "--output", &v))) {
			if (taken < 0)
				return EXIT_USAGE;
			out = v;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return cli_usage_error("export-model", "unknown option '%s'", argv[i]);
		} else if (!arg) {
			arg = argv[i];
		} else {
			return cli_usage_error("export-model", "one run or model file at a time");
		}
	}
	if (!arg)
		return cli_usage_error("export-model", "which run or model file?");
	if (!out)
		return cli_usage_error("export-model", "where to? (-o FILE.onnx)");
	if (is_model_file(arg))
		return export_model(arg, out);
	if (run_checkpoint(arg, path, sizeof path) != DL_OK)
		return 1;
	return export_model(path, out);
}
