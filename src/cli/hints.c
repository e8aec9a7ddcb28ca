/*
 * hints.c - mistakes on the command line answered with the fix: the command
 * meant, the --set that sets what an unknown option names, the values an
 * option takes.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "spec/key_hints.h"
#include "util/suggest.h"
#include "util/text.h"

/* Words people try for a command, and the command. */
static const struct { const char *word, *command; } command_aliases[] = {
	{"train", "run"}, {"fit", "run"}, {"list", "ls"}, {"remove", "rm"},
	{"delete", "rm"}, {"validate", "check"}, {"lint", "check"}, {"status", "queue ls"},
	{"start", "serve"}, {"daemon", "serve"}, {"dashboard", "ui"}, {"tui", "ui"},
	{"add", "queue add"}, {"enqueue", "queue add"}, {"inspect", "show"}, {"diff", "compare"},
	{"kill", "cancel"}, {"fetch", "data fetch"}, {"download", "data fetch"},
};

#define N_ALIASES (sizeof command_aliases / sizeof command_aliases[0])
#define MAX_WORDS 64

int cli_unknown_command(const char *word, const char *const *names)
{
	const char *words[MAX_WORDS + N_ALIASES + 1], *hint;
	size_t n = 0;

	for (; names[n] && n < MAX_WORDS; n++)
		words[n] = names[n];
	for (size_t i = 0; i < N_ALIASES; i++)
		words[n++] = command_aliases[i].word;
	words[n] = NULL;
	hint = suggest_closest(word, words);
	for (size_t i = 0; hint && i < N_ALIASES; i++)
		if (hint == command_aliases[i].word)
			hint = command_aliases[i].command;
	fputs("digitlab: unknown command '", stderr);
	text_fputs(word, stderr, TEXT_ONE_LINE);
	if (hint)
		fprintf(stderr, "' (did you mean '%s'?)\n", hint);
	else
		fputs("'\n", stderr);
	fprintf(stderr, "Try 'digitlab --help' for the list of commands.\n");
	return EXIT_USAGE;
}

int cli_unknown_option(const char *command, int argc, char **argv, int i)
{
	const char *option = argv[i], *eq = strchr(option, '='), *value = NULL, *path;
	char name[64];
	size_t len = eq ? (size_t)(eq - option) : strlen(option);

	snprintf(name, sizeof name, "%.*s", (int)(len < sizeof name ? len : sizeof name - 1),
		 option);
	path = name[0] == '-' && name[1] == '-' ? spec_key_path(name + 2) : NULL;
	if (!path)
		return cli_usage_error(command, "unknown option '%s'", name);
	if (eq)
		value = eq + 1;
	else if (i + 1 < argc && argv[i + 1][0] != '-')
		value = argv[i + 1];
	return cli_usage_error(command, "unknown option '%s' (use --set %s=%s)", name, path,
			       value ? value : "VALUE");
}

int cli_unknown_value(const char *command, const char *option, const char *value,
		      const char *const *names)
{
	char list[512];
	size_t used = 0;
	const char *hint = suggest_closest(value, names);

	list[0] = '\0';
	for (int i = 0; names[i] && used < sizeof list; i++) {
		int w = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", names[i]);

		if (w < 0)
			break;
		used += (size_t)w;
	}
	if (hint)
		return cli_usage_error(command, "%s: unknown value '%s' (did you mean '%s'? "
				       "expected one of: %s)", option, value, hint, list);
	return cli_usage_error(command, "%s: unknown value '%s' (expected one of: %s)", option,
			       value, list);
}
