// SPDX-License-Identifier: MIT
/* lib/files.c: user paths are refused by kind before anything blocks. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "../../lib/files.h"
#include "suites.h"

static char dir[] = "/tmp/cvmm-files-XXXXXX";
static char path[64], err[256];

static const char *in_dir(const char *name)
{
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

static void setup(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s, fd;

	strcpy(dir, "/tmp/cvmm-files-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(mkfifo(in_dir("fifo"), 0600), 0);
	ck_assert_int_eq(mkdir(in_dir("dir"), 0700), 0);
	fd = open(in_dir("file"), O_CREAT | O_WRONLY, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "data", 4), 4);
	close(fd);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", in_dir("sock"));
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(s);
}

static void teardown(void)
{
	static const char *const names[] = { "fifo", "dir", "file", "sock" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		remove(in_dir(names[i]));
	rmdir(dir);
}

/* Every kind, read-only and read-write, with and without block devices. */
static void expect_refused(const char *name, const char *kind)
{
	static const int flags[] = { O_RDONLY, O_RDWR };
	char want[128];

	for (int f = 0; f < 2; f++)
		for (int blk = 0; blk < 2; blk++) {
			const char *p = name[0] == '/' ? name : in_dir(name);

			ck_assert_int_lt(open_user_file(p, flags[f], blk, err,
							sizeof(err)), 0);
			snprintf(want, sizeof(want), "is %s, not a regular file%s",
				 kind, blk ? " or block device" : "");
			ck_assert_str_eq(err, want);
		}
}

START_TEST(refuses_special_files)
{
	/* A FIFO without a writer would block open() O_RDONLY forever. */
	expect_refused("fifo", "a FIFO");
	expect_refused("dir", "a directory");
	expect_refused("sock", "a socket");
	expect_refused("/dev/zero", "a character device");
	expect_refused("/dev/null", "a character device");
}
END_TEST

START_TEST(opens_regular_files_blocking)
{
	int fd = open_user_file(in_dir("file"), O_RDWR, false, err, sizeof(err));
	char buf[8];

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fcntl(fd, F_GETFL) & (O_NONBLOCK | O_ACCMODE), O_RDWR);
	ck_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	ck_assert_int_eq(read(fd, buf, sizeof(buf)), 4);
	close(fd);
}
END_TEST

/* Block devices only where allowed (disks); skipped without one. */
START_TEST(block_devices_where_allowed)
{
	struct stat st;
	int fd;

	if (stat("/dev/loop0", &st) || !S_ISBLK(st.st_mode))
		return;
	ck_assert_int_lt(open_user_file("/dev/loop0", O_RDONLY, false, err,
					sizeof(err)), 0);
	ck_assert_str_eq(err, "is a block device, not a regular file");
	fd = open_user_file("/dev/loop0", O_RDONLY, true, err, sizeof(err));
	ck_assert_msg(fd >= 0 || !strstr(err, "is a"), "%s", err);
	if (fd >= 0)
		close(fd);
}
END_TEST

START_TEST(reports_open_errors)
{
	ck_assert_int_lt(open_user_file(in_dir("missing"), O_RDONLY, false, err,
					sizeof(err)), 0);
	ck_assert_str_eq(err, "cannot open: No such file or directory");
	ck_assert_str_eq(file_kind(S_IFBLK), "a block device");
}
END_TEST

Suite *files_suite(void)
{
	Suite *s = suite_create("files");
	TCase *tc = tcase_create("open_user_file");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, refuses_special_files);
	tcase_add_test(tc, opens_regular_files_blocking);
	tcase_add_test(tc, block_devices_where_allowed);
	tcase_add_test(tc, reports_open_errors);
	suite_add_tcase(s, tc);
	return s;
}
