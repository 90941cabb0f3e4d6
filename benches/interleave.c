/* Times commands interleaved: every round runs each command once, in a fresh
 * random order, so that whatever drifts during a run (frequency, the other
 * tenants of a VM, the page cache) weighs on every command alike and cannot
 * decide a ratio.
 *
 *   interleave ROUNDS WARMUP FILE
 *
 * FILE holds one command a line, fields separated by tabs: a name, an
 * environment file ("-": the harness's own environment; otherwise
 * NUL-separated NAME=VALUE entries, as `env -0` prints them), then the
 * program (a path) and its arguments. Each run has stdin, stdout and stderr
 * on /dev/null and is started with posix_spawn (vfork and exec, no shell).
 * A run that does not exit 0 is counted as a failure.
 *
 * Prints, per command in FILE order: name, median, first and third
 * quartile (nanoseconds, wall clock from spawn to reap), runs, failures,
 * separated by tabs. Part of benches/compare.sh. */
#define _GNU_SOURCE
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

extern char **environ;

struct command {
	char *name;
	char **argv;
	char **envp;
	double *ns;
	int failures;
};

static char **read_env(const char *path)
{
	if (strcmp(path, "-") == 0)
		return environ;
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		exit(2);
	}
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	size_t n;
	while ((n = fread(buf + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap)
			buf = realloc(buf, cap *= 2);
	}
	fclose(f);
	size_t count = 0;
	for (size_t i = 0; i < len; i++)
		count += buf[i] == 0;
	char **envp = calloc(count + 1, sizeof *envp);
	size_t at = 0, k = 0;
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == 0) {
			envp[k++] = buf + at;
			at = i + 1;
		}
	}
	return envp;
}

static int compare(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double quantile(const double *sorted, int n, double q)
{
	double at = q * (n - 1);
	int lo = (int)at;
	int hi = lo + 1 < n ? lo + 1 : lo;
	return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

static int run(struct command *c, posix_spawn_file_actions_t *quiet, double *ns)
{
	pid_t pid;
	int status;
	double start = now();
	if (posix_spawn(&pid, c->argv[0], quiet, NULL, c->argv, c->envp) != 0)
		return -1;
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	*ns = now() - start;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: interleave ROUNDS WARMUP FILE\n");
		return 2;
	}
	int rounds = atoi(argv[1]), warmup = atoi(argv[2]);
	FILE *f = fopen(argv[3], "r");
	if (!f || rounds < 1) {
		perror(argv[3]);
		return 2;
	}
	struct command commands[64];
	int n = 0;
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) > 0 && n < 64) {
		line[strcspn(line, "\n")] = 0;
		char *fields[256];
		int k = 0;
		for (char *tok = strtok(line, "\t"); tok && k < 255; tok = strtok(NULL, "\t"))
			fields[k++] = strdup(tok);
		if (k < 3)
			continue;
		struct command *c = &commands[n++];
		c->name = fields[0];
		c->envp = read_env(fields[1]);
		c->argv = calloc(k - 1, sizeof *c->argv);
		for (int i = 2; i < k; i++)
			c->argv[i - 2] = fields[i];
		c->ns = calloc(rounds, sizeof *c->ns);
		c->failures = 0;
	}
	posix_spawn_file_actions_t quiet;
	posix_spawn_file_actions_init(&quiet);
	posix_spawn_file_actions_addopen(&quiet, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&quiet, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&quiet, 2, "/dev/null", O_WRONLY, 0);
	int order[64];
	for (int i = 0; i < n; i++)
		order[i] = i;
	srand((unsigned)now());
	for (int r = -warmup; r < rounds; r++) {
		for (int i = n - 1; i > 0; i--) {
			int j = rand() % (i + 1), t = order[i];
			order[i] = order[j];
			order[j] = t;
		}
		for (int i = 0; i < n; i++) {
			struct command *c = &commands[order[i]];
			double ns = 0;
			int failed = run(c, &quiet, &ns);
			if (r < 0)
				continue;
			c->ns[r] = ns;
			c->failures += failed != 0;
		}
	}
	for (int i = 0; i < n; i++) {
		struct command *c = &commands[i];
		qsort(c->ns, rounds, sizeof *c->ns, compare);
		printf("%s\t%.0f\t%.0f\t%.0f\t%d\t%d\n", c->name, quantile(c->ns, rounds, 0.5),
		       quantile(c->ns, rounds, 0.25), quantile(c->ns, rounds, 0.75), rounds,
		       c->failures);
	}
	return 0;
}
