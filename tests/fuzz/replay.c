/* Replay a fuzz target's corpus (fuzz.h): every file in the directories
 * given, each through LLVMFuzzerTestOneInput, as one TAP test per
 * directory. A crash or a sanitizer report fails the test program. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "tap.h"

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f)
		return 0;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n)
		LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	fclose(f);
	return 1;
}

int main(int argc, char **argv)
{
	const char *top = getenv("top_srcdir") ? getenv("top_srcdir") : ".";
	char *corpus[] = {argv[0], FUZZ_CORPUS};

	/* built per target: its corpus, unless directories are given */
	if (argc < 2) {
		argc = 2;
		argv = corpus;
	}
	for (int i = 1; i < argc; i++) {
		char dir[1024], path[2048];
		struct dirent *e;
		DIR *d;
		int n = 0;

		snprintf(dir, sizeof dir, "%s/%s", top, argv[i]);
		if (!(d = opendir(dir))) {
			ok(0, "%s: cannot open the corpus", dir);
			continue;
		}
		while ((e = readdir(d)))
			if (e->d_name[0] != '.') {
				snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
				n += replay_file(path);
			}
		closedir(d);
		ok(n > 0, "%s: %d inputs replayed without a crash", argv[i], n);
	}
	return tap_done();
}
