// SPDX-License-Identifier: MIT
/* vmm/cli.c and options.c: the command line and its errors. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../../vmm/cli.h"
#include "../../vmm/options.h"
#include "suites.h"

static struct vm_config c;
static char err[512];
static bool dry;

static enum cli_result parse(const char *first, ...)
{
	char *argv[32] = { (char *)"run" };
	int argc = 1;
	va_list ap;

	va_start(ap, first);
	for (const char *a = first; a; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	config_defaults(&c);
	err[0] = 0;
	return cli_parse_run(argc, argv, &c, &dry, err, sizeof(err));
}

START_TEST(good_command_line)
{
	ck_assert_int_eq(parse("--kernel", "k.elf", "--memory", "64M", "--cpus",
			       "4", "--cmdline", "test=hello", "--stats",
			       "--log-level", "debug", "--platform", "soft",
			       "--convert-mode", "preserve", "--initial-state",
			       "shared", "--testdev", NULL), CLI_OK);
	ck_assert_str_eq(c.kernel, "k.elf");
	ck_assert_uint_eq(c.memory, 64ULL << 20);
	ck_assert_uint_eq(c.cpus, 4);
	ck_assert_str_eq(c.cmdline, "test=hello");
	ck_assert(c.stats);
	ck_assert(c.testdev);
	ck_assert_int_eq(c.log_level, LOG_DEBUG);
	ck_assert_int_eq(c.convert_mode, MEM_CONTENT_PRESERVE);
	ck_assert_int_eq(c.initial, INITIAL_SHARED);
	/* --opt=value works as well. */
	ck_assert_int_eq(parse("--kernel=x", "--memory=1G", NULL), CLI_OK);
	ck_assert_uint_eq(c.memory, 1ULL << 30);
}
END_TEST

START_TEST(defaults)
{
	ck_assert_int_eq(parse("--kernel", "k", NULL), CLI_OK);
	ck_assert_uint_eq(c.memory, CONFIG_DEFAULT_MEMORY);
	ck_assert_uint_eq(c.cpus, 1);
	ck_assert_str_eq(c.platform, "soft");
	ck_assert_str_eq(c.cmdline, "");
	ck_assert(!c.stats);
	ck_assert(c.seccomp); /* the sandbox is on unless asked off */
	ck_assert_int_eq(parse("--kernel", "k", "--seccomp", "off", NULL),
			 CLI_OK);
	ck_assert(!c.seccomp);
}
END_TEST

/* Each bad input gets one line naming the option. */
START_TEST(errors_name_the_option)
{
	static const struct {
		const char *args[3];
		const char *want;
	} cases[] = {
		{ { "--memory", "abc" }, "memory: 'abc' is not a size" },
		{ { "--memory", "1M" }, "memory: '1M' is out of range" },
		{ { "--memory", "4194305" }, "memory: '4194305' is not a multiple of 4K" },
		{ { "--cpus", "0" }, "cpus: '0' is out of range" },
		{ { "--cpus", "two" }, "cpus: 'two' is not a number" },
		{ { "--log-level", "loud" }, "log-level: 'loud' is not a log level" },
		{ { "--platform", "tdz" }, "platform: unknown platform 'tdz'" },
		{ { "--convert-mode", "x" }, "convert-mode: 'x' is not a content mode" },
		{ { "--seccomp", "maybe" }, "seccomp: 'maybe' is neither on nor off" },
		{ { "--bogus" }, "--bogus: unknown option" },
		{ { "--memory" }, "--memory: a value is needed" },
		{ { "stray" }, "stray: unexpected argument" },
		{ { "--rng=true" }, "--rng=true: this option takes no value" },
		{ { "-xy" }, "-x: unknown option" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_eq(parse("--kernel", "k", cases[i].args[0],
				       cases[i].args[1], NULL), CLI_ERROR);
		ck_assert_msg(strstr(err, cases[i].want), "got '%s', want '%s'",
			      err, cases[i].want);
		ck_assert_ptr_null(strchr(err, '\n'));
	}
	ck_assert_int_eq(parse("--memory", "64M", NULL), CLI_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "no kernel given"));
	ck_assert_int_eq(parse("--help", NULL), CLI_HELP);
}
END_TEST

START_TEST(every_option_is_documented)
{
	for (size_t i = 0; i < vm_options_count; i++) {
		ck_assert(vm_options[i].help && *vm_options[i].help);
		ck_assert(vm_options[i].def && *vm_options[i].def);
		ck_assert_ptr_eq(option_find(vm_options[i].name), &vm_options[i]);
	}
}
END_TEST

/* The README's option table must say exactly what vm_options says. */
static void row_for(const struct option_desc *o, char *buf, size_t len)
{
	char type[64];
	size_t t = 0;

	/* Markdown needs the '|' inside a cell escaped. */
	for (const char *p = o->type; *p && t + 2 < sizeof(type); p++) {
		if (*p == '|')
			type[t++] = '\\';
		type[t++] = *p;
	}
	type[t] = 0;
	snprintf(buf, len, "| `--%s%s%s` | %s | %s | %s |", o->name,
		 o->metavar ? " " : "", o->metavar ? o->metavar : "", type,
		 o->def, o->help);
}

START_TEST(readme_table_matches)
{
	FILE *f = fopen("README.md", "r");
	char line[512], want[512];
	size_t row = 0;
	bool inside = false;

	ck_assert_msg(f != NULL, "run from the repository root");
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (strstr(line, "<!-- options-table"))
			inside = true;
		else if (strstr(line, "<!-- end options-table"))
			break;
		else if (inside && !strncmp(line, "| `--", 5)) {
			ck_assert_msg(row < vm_options_count,
				      "README lists more options than the code");
			row_for(&vm_options[row++], want, sizeof(want));
			ck_assert_str_eq(line, want);
		}
	}
	fclose(f);
	ck_assert_uint_eq(row, vm_options_count);
}
END_TEST

Suite *cli_suite(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("run");

	tcase_add_test(tc, good_command_line);
	tcase_add_test(tc, defaults);
	tcase_add_test(tc, errors_name_the_option);
	tcase_add_test(tc, every_option_is_documented);
	tcase_add_test(tc, readme_table_matches);
	suite_add_tcase(s, tc);
	return s;
}
