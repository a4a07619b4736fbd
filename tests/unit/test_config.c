// SPDX-License-Identifier: MIT
/* vmm/config_file.c: good and bad VM files, and the override rule. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../vmm/cli.h"
#include "../../vmm/config_file.h"
#include "../../vmm/options.h"
#include "suites.h"

static struct vm_config c;
static char err[512], path[64];

static const char *write_file(const char *text)
{
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "/tmp/cvmm-cfg-XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

/* Like write_file(), for text with NUL bytes in it. */
static const char *write_bytes(const char *buf, size_t len)
{
	int fd;

	snprintf(path, sizeof(path), "/tmp/cvmm-cfg-XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, buf, len), (ssize_t)len);
	close(fd);
	return path;
}

static int load_path(const char *p)
{
	int ret;

	config_defaults(&c);
	err[0] = 0;
	ret = config_load_file(&c, p, err, sizeof(err));
	unlink(path);
	return ret;
}

static int load(const char *text)
{
	return load_path(write_file(text));
}

/* The error must name the file and line, and say what is wrong. */
static void expect_error(const char *text, int line, const char *what)
{
	char where[128];

	ck_assert_int_ne(load(text), 0);
	snprintf(where, sizeof(where), "%s:%d: ", path, line);
	ck_assert_msg(!strncmp(err, where, strlen(where)), "'%s' lacks '%s'",
		      err, where);
	ck_assert_msg(strstr(err, what), "'%s' lacks '%s'", err, what);
	ck_assert_ptr_null(strchr(err, '\n'));
}

START_TEST(good_file)
{
	char where[128];

	ck_assert_int_eq(load("# a VM\n"
			      "[vm]\n"
			      "kernel = k.elf\n"
			      "cmdline = \"test=hello  quiet\"\n"
			      "memory = 64M ; inline comment\n"
			      "cpus = 2\n"
			      "disk = a.img\n"
			      "disk = b.img,readonly\n"
			      "rng = yes\n"
			      "console = virtio\n"
			      "dma-pool = 2M\n"
			      "stats = true\n"
			      "platform = soft\n"),
			 0);
	ck_assert_str_eq(c.kernel, "k.elf");
	ck_assert_str_eq(c.cmdline, "test=hello  quiet");
	ck_assert_uint_eq(c.memory, 64 << 20);
	ck_assert_uint_eq(c.cpus, 2);
	ck_assert_uint_eq(c.ndisks, 2);
	ck_assert_str_eq(c.disk[1].path, "b.img");
	ck_assert(c.disk[1].readonly);
	ck_assert(c.rng && c.stats);
	ck_assert_int_eq(c.console, CONSOLE_VIRTIO);
	ck_assert_uint_eq(c.dma_pool, 2 << 20);
	option_origin(&c, "memory", where, sizeof(where));
	ck_assert_ptr_nonnull(strstr(where, ":5: memory"));
	ck_assert_int_eq(config_validate(&c, err, sizeof(err)), 0);
}
END_TEST

START_TEST(long_cmdline_continues)
{
	ck_assert_int_eq(load("[vm]\nkernel = k\ncmdline = test=hello\n"
			      "  console=ttyS0 ; a comment\n\tquiet\n"), 0);
	ck_assert_str_eq(c.cmdline, "test=hello console=ttyS0 quiet");
	expect_error("[vm]\nkernel = k\nmemory = 64M\n  more\n", 4,
		     "only cmdline may continue");
}
END_TEST

START_TEST(errors_name_file_line_key)
{
	expect_error("[devices]\nrng = true\n", 2, "unknown section [devices]");
	expect_error("memory = 64M\n[vm]\n", 1,
		     "key 'memory' before the [vm] section");
	expect_error("[vm]\nmemroy = 64M\n", 2, "unknown key 'memroy'");
	expect_error("[vm]\ncpus = lots\n", 2, "cpus: 'lots' is not a number");
	expect_error("[vm]\nmemory = 64Q\n", 2, "memory: '64Q' is not a size");
	expect_error("[vm]\n\nmemory = 64M\nmemory = 128M\n", 4,
		     "memory: set twice (first on line 3)");
	expect_error("[vm]\nrng = maybe\n", 2, "rng: 'maybe' is not a boolean");
	expect_error("[vm]\nplatform = tdz\n", 2, "unknown platform 'tdz'");
	expect_error("[vm]\njust words\n", 2, "expected [vm] or key = value");
	expect_error("[vm]\ndisk = a\ndisk = b\ndisk = c\ndisk = d\ndisk = e\n",
		     6, "more than 4 disks");
}
END_TEST

START_TEST(missing_kernel_and_unreadable)
{
	char line[400];

	ck_assert_int_eq(load("[vm]\nmemory = 64M\n"), 0);
	ck_assert_int_ne(config_validate(&c, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "kernel: no kernel given"));
	config_defaults(&c);
	ck_assert_int_ne(config_load_file(&c, "/nonexistent.ini", err,
					  sizeof(err)), 0);
	ck_assert_str_eq(err, "--config '/nonexistent.ini': cannot open: No such "
			 "file or directory");
	/* Lines the parser would cut are refused, not silently split. */
	memset(line, 'x', sizeof(line));
	memcpy(line, "[vm]\ncmdline = ", 15);
	line[sizeof(line) - 2] = '\n';
	line[sizeof(line) - 1] = 0;
	expect_error(line, 2, "line longer than");
	/* A directory is not a file: an error, not an empty config. */
	config_defaults(&c);
	ck_assert_int_ne(config_load_file(&c, "/tmp", err, sizeof(err)), 0);
	ck_assert_str_eq(err, "--config '/tmp': is a directory, not a regular file");
}
END_TEST

/* As expect_error(), for a file of len bytes that may hold NULs. */
static void expect_bytes_error(const char *buf, size_t len, int line,
			       const char *what)
{
	char where[128];

	ck_assert_int_ne(load_path(write_bytes(buf, len)), 0);
	snprintf(where, sizeof(where), "%s:%d: %s", path, line, what);
	ck_assert_str_eq(err, where);
}

/*
 * NUL and other control bytes end parsing with file:line, counted in
 * physical lines. Before, NULs read as empty lines (a file of them took
 * one line per 199 bytes, /dev/zero never ended), and a NUL in a comment
 * split its line so that a key in the rest escaped the length check.
 */
START_TEST(binary_content_refused)
{
	static char zeros[65536], hidden[512];
	static const char nul_in_value[] = "[vm]\r\nkernel = k\r\ncmdline = a\0b\n";
	int n;

	expect_bytes_error(zeros, sizeof(zeros), 1,
			   "byte 0x00 is not text (a binary file?)");
	expect_bytes_error(nul_in_value, sizeof(nul_in_value) - 1, 3,
			   "byte 0x00 is not text (a binary file?)");
	expect_bytes_error("[vm]\n\n#\x01\n", 8, 3,
			   "byte 0x01 is not text (a binary file?)");
	expect_bytes_error("[vm]\nkernel = \x7f\n", 16, 2,
			   "byte 0x7f is not text (a binary file?)");
	/* A 300-byte comment line with a NUL, then a key: line 2 is refused. */
	n = snprintf(hidden, sizeof(hidden), "[vm]\n# %0290d", 0);
	hidden[8] = 0;
	n += snprintf(hidden + n, sizeof(hidden) - (size_t)n, "memory = 9Q\n");
	expect_bytes_error(hidden, (size_t)n, 2,
			   "byte 0x00 is not text (a binary file?)");
	/* UTF-8 is text. */
	ck_assert_int_eq(load("[vm]\nkernel = k\xc3\xa9.elf\n"), 0);
	ck_assert_str_eq(c.kernel, "k\xc3\xa9.elf");
}
END_TEST

/* Line numbers stay right after CRLF line ends and a final unended line. */
START_TEST(line_numbers_and_limits)
{
	char line[256];

	expect_error("[vm]\r\n\r\n; c\r\nmemory = 12Q", 4,
		     "memory: '12Q' is not a size");
	/* 198 bytes and a newline fit; 199 do not. */
	memset(line, 'x', sizeof(line));
	memcpy(line, "[vm]\ncmdline = ", 15);
	line[5 + 198] = '\n';
	line[5 + 199] = 0;
	ck_assert_int_eq(load(line), 0);
	line[5 + 198] = 'x';
	line[5 + 199] = '\n';
	line[5 + 200] = 0;
	expect_error(line, 2, "line longer than 198 bytes");
}
END_TEST

/* Special files are refused by kind, before a read could block or spin. */
START_TEST(special_files_refused)
{
	char fifo[] = "/tmp/cvmm-cfg-fifo-XXXXXX";

	ck_assert_ptr_nonnull(mkdtemp(fifo));
	ck_assert_int_eq(rmdir(fifo), 0);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	config_defaults(&c);
	ck_assert_int_ne(config_load_file(&c, fifo, err, sizeof(err)), 0);
	unlink(fifo);
	ck_assert_ptr_nonnull(strstr(err, "': is a FIFO, not a regular file"));
	ck_assert_int_ne(config_load_file(&c, "/dev/zero", err, sizeof(err)), 0);
	ck_assert_str_eq(err, "--config '/dev/zero': is a character device, not "
			 "a regular file");
}
END_TEST

/* A long cmdline over many lines: one copy, up to the full length. */
START_TEST(many_continuation_lines)
{
	static char text[8192];
	size_t n = (size_t)snprintf(text, sizeof(text),
				    "[vm]\nkernel = k\ncmdline = start\n");

	for (int i = 0; i < 30; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "  %0120d\n", i);
	ck_assert_int_eq(load(text), 0);
	ck_assert_uint_eq(strlen(c.cmdline), 5 + 30 * 121);
	ck_assert_uint_lt(c.strings_used, 8000);
}
END_TEST

/* Two files: which would win is a guess, so neither does. */
START_TEST(config_given_twice)
{
	char *argv[] = { (char *)"run", (char *)"--config", (char *)"a.ini",
			 (char *)"--config", (char *)"b.ini" };
	bool dry;

	config_defaults(&c);
	ck_assert_int_eq(cli_parse_run(5, argv, &c, &dry, err, sizeof(err)),
			 CLI_ERROR);
	ck_assert_str_eq(err, "--config: given twice ('a.ini', then 'b.ini'); "
			 "a VM is described by one file");
}
END_TEST

/* Options given on the command line override the file's. */
START_TEST(command_line_overrides)
{
	char *argv[16] = { (char *)"run", (char *)"--config", NULL,
			   (char *)"--memory", (char *)"128M", (char *)"--disk",
			   (char *)"c.img", (char *)"--dry-run" };
	char where[128];
	bool dry;

	write_file("[vm]\nkernel = k\nmemory = 64M\ndisk = a.img\ndisk = b.img\n"
		   "cpus = 2\n");
	argv[2] = path;
	config_defaults(&c);
	ck_assert_int_eq(cli_parse_run(8, argv, &c, &dry, err, sizeof(err)),
			 CLI_OK);
	unlink(path);
	ck_assert(dry);
	ck_assert_uint_eq(c.memory, 128 << 20);
	ck_assert_uint_eq(c.cpus, 2); /* from the file */
	ck_assert_uint_eq(c.ndisks, 1); /* the command line's disks replace */
	ck_assert_str_eq(c.disk[0].path, "c.img");
	ck_assert_str_eq(option_origin(&c, "memory", where, sizeof(where)),
			 "--memory");
	ck_assert_ptr_nonnull(strstr(option_origin(&c, "cpus", where,
						   sizeof(where)), ":6: cpus"));
	ck_assert_str_eq(option_origin(&c, "log-level", where, sizeof(where)),
			 "log-level");
}
END_TEST

Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("file");

	tcase_add_test(tc, good_file);
	tcase_add_test(tc, long_cmdline_continues);
	tcase_add_test(tc, errors_name_file_line_key);
	tcase_add_test(tc, missing_kernel_and_unreadable);
	tcase_add_test(tc, many_continuation_lines);
	tcase_add_test(tc, command_line_overrides);
	tcase_add_test(tc, binary_content_refused);
	tcase_add_test(tc, line_numbers_and_limits);
	tcase_add_test(tc, special_files_refused);
	tcase_add_test(tc, config_given_twice);
	suite_add_tcase(s, tc);
	return s;
}
