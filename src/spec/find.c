/* Finding an experiment file by name (experiment.h). */
#include "spec/experiment.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#ifndef EXPERIMENT_INSTALL_DIR
#define EXPERIMENT_INSTALL_DIR "/usr/local/share/digitlab/experiments"
#endif

static int is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *experiment_install_dir(void)
{
	return EXPERIMENT_INSTALL_DIR;
}

const char *experiment_default_dir(void)
{
	return is_dir("experiments") ? "experiments" : EXPERIMENT_INSTALL_DIR;
}

int experiment_find(const char *name, char *path, size_t size, struct dl_error *err)
{
	const char *dirs[2] = {"experiments", EXPERIMENT_INSTALL_DIR};
	size_t len = strlen(name);
	int has_ext = len > 5 && !strcmp(name + len - 5, ".yaml");

	if (!strcmp(name, "-") || is_file(name) || strchr(name, '/') || !name[0]) {
		if (snprintf(path, size, "%s", name) >= (int)size)
			return dl_error_at(err, name, 0, 0, "path too long");
		return DL_OK;
	}
	for (int i = 0; i < 2; i++) {
		if (snprintf(path, size, "%s/%s%s", dirs[i], name, has_ext ? "" : ".yaml") >=
		    (int)size)
			continue;
		if (is_file(path))
			return DL_OK;
	}
	return dl_error_at(err, name, 0, 0, "no such file, nor experiments/%s%s here, nor an "
			   "installed experiment %s/%s%s", name, has_ext ? "" : ".yaml",
			   EXPERIMENT_INSTALL_DIR, name, has_ext ? "" : ".yaml");
}
