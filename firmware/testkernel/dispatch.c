/*
 * The test dispatcher, the same on every architecture: the test named by
 * test=NAME[:ARG] on the command line runs, and its checks become one
 * line:
 *   RESULT test=<name> passed=N failed=M
 * after which the exit device gets 0 when every check passed, 3 otherwise.
 */
#include "kernel.h"

unsigned int checks_passed, checks_failed;

/* The value of key=... on the command line, or NULL. */
static const char *cmdline_get(const char *key)
{
	size_t klen = strlen(key);

	for (const char *p = boot.cmdline; *p;) {
		while (*p == ' ')
			p++;
		if (!strncmp(p, key, klen) && p[klen] == '=')
			return p + klen + 1;
		while (*p && *p != ' ')
			p++;
	}
	return NULL;
}

void run_test(const struct test *tests, size_t n)
{
	const char *name = cmdline_get("test"), *arg;
	size_t nlen;

	if (!name)
		name = "hello";
	for (nlen = 0; name[nlen] && name[nlen] != ' ' && name[nlen] != ':';)
		nlen++;
	arg = name[nlen] == ':' ? name + nlen + 1 : "";
	for (size_t i = 0; i < n; i++) {
		if (strlen(tests[i].name) != nlen ||
		    strncmp(tests[i].name, name, nlen))
			continue;
		tests[i].run(arg);
		arch_test_report();
		printk("RESULT test=%s passed=%u failed=%u\n", tests[i].name,
		       checks_passed, checks_failed);
		vm_exit(checks_failed ? EXIT_CHECKS_FAILED : 0);
	}
	printk("FAIL unknown test '%s'\n", name);
	vm_exit(EXIT_BAD_TEST);
}
