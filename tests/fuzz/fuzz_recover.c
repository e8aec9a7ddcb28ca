/* store_recover on arbitrary bytes as runs.db (fuzz.h): it reads a damaged
 * database page by page, so every byte of the file is outside input. It
 * must rebuild a store or refuse with a message; a store it rebuilds must
 * open and pass SQLite's own check. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "store/store.h"

static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[4200];

	while (d && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char dir[] = "/tmp/digitlab-fuzz-recover-XXXXXX", path[4200];
	struct store_recovery r;
	struct dl_error err;
	struct store *s;
	FILE *f;
	int problems;

	if (!mkdtemp(dir))
		return 0;
	snprintf(path, sizeof path, "%s/runs.db", dir);
	f = fopen(path, "wb");
	if (f && fwrite(data, 1, size, f) == size && fclose(f) == 0 &&
	    store_recover(dir, &r, &err) == DL_OK) {
		if (store_open(&s, dir, &err) != DL_OK)
			abort();        /* what recover put in place must open */
		if (store_check(s, 1, NULL, &problems, &err) != DL_OK || problems)
			abort();        /* and be whole */
		store_close(s);
	} else if (f == NULL) {
		/* no room for the file: nothing to test */
	}
	remove_dir(dir);
	return 0;
}
