// SPDX-License-Identifier: MIT
/*
 * rigtool: the rig benchmark's helpers, static so the busybox initramfs
 * can run it (tests/rig/bench.sh).
 *   rigtool time CMD [ARG...]   run CMD, print "rigtool: time MS status N"
 *                               (wall time from fork to reaped exit, so a
 *                               VMM's teardown is included)
 *   rigtool pread FILE BS       read FILE from start to end in BS-byte
 *                               preads, 5 passes, print the median pass as
 *                               "rigtool: pread BS MB/s" (the host
 *                               baseline of test=blkbench)
 *   rigtool fill FILE MIB       write MIB MiB of non-zero bytes to FILE
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmd_time(char **argv)
{
	double t0 = now_ms();
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return perror("rigtool: fork"), 1;
	if (pid == 0) {
		execvp(argv[0], argv);
		fprintf(stderr, "rigtool: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0)
		return perror("rigtool: waitpid"), 1;
	printf("rigtool: time %.1f status %d\n", now_ms() - t0,
	       WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int cmd_pread(const char *path, const char *bs_s)
{
	size_t bs = strtoul(bs_s, NULL, 0);
	double mbs[5];
	char *buf;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || !bs || bs > (64u << 20) || !(buf = malloc(bs)))
		return fprintf(stderr, "rigtool: pread %s %s: bad file or size\n",
			       path, bs_s), 1;
	for (int pass = 0; pass < 5; pass++) {
		double t0 = now_ms();
		off_t off = 0;
		ssize_t n;

		while ((n = pread(fd, buf, bs, off)) > 0)
			off += n;
		if (n < 0)
			return perror("rigtool: pread"), 1;
		mbs[pass] = (double)off / 1e6 / ((now_ms() - t0) / 1e3);
	}
	qsort(mbs, 5, sizeof(mbs[0]), cmp_double);
	printf("rigtool: pread %zu %.1f MB/s\n", bs, mbs[2]);
	free(buf);
	close(fd);
	return 0;
}

static int cmd_fill(const char *path, const char *mib_s)
{
	unsigned long mib = strtoul(mib_s, NULL, 0);
	static char buf[1 << 20];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || !mib)
		return fprintf(stderr, "rigtool: fill %s: cannot create\n", path), 1;
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)(i * 7 + 1);
	for (unsigned long i = 0; i < mib; i++)
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			return perror("rigtool: write"), 1;
	return close(fd) ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "time"))
		return cmd_time(argv + 2);
	if (argc == 4 && !strcmp(argv[1], "pread"))
		return cmd_pread(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "fill"))
		return cmd_fill(argv[2], argv[3]);
	fprintf(stderr, "usage: rigtool time CMD... | pread FILE BS | fill FILE MIB\n");
	return 1;
}
