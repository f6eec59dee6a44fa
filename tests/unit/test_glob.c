/* test_glob.c: path globs, "**" across folders, classes, escapes and malformed patterns. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "trainctl/error.h"
#include "trainctl/glob.h"

#define YES(p, s) assert_true(tctl_glob_match(p, s))
#define NO(p, s) assert_false(tctl_glob_match(p, s))

static void literals_and_single_star(void **state)
{
	(void)state;
	YES("train.py", "train.py");
	NO("train.py", "src/train.py");
	YES("*.py", "train.py");
	NO("*.py", "src/train.py");
	YES("src/*.py", "src/train.py");
	NO("src/*.py", "src/models/net.py");
	YES("*", "anything");
	NO("*", "a/b");
	YES("a*b*c", "aXbYc");
	YES("a*b*c", "abc");
	NO("a*b*c", "a/b/c");
	YES(".*", ".gitignore");
	YES("*", ".hidden");
	NO("", "x");
	YES("", "");
}

static void double_star_crosses_folders(void **state)
{
	(void)state;
	YES("**", "a");
	YES("**", "a/b/c.py");
	YES("**/*.py", "train.py");
	YES("**/*.py", "src/models/net.py");
	NO("**/*.py", "src/models/net.pyc");
	YES("src/**", "src/a");
	YES("src/**", "src/a/b/c");
	NO("src/**", "src");
	NO("src/**", "srcs/a");
	YES("src/**/*.py", "src/train.py");
	YES("src/**/*.py", "src/a/b/train.py");
	NO("src/**/*.py", "lib/a/train.py");
	YES("a/**/b", "a/b");
	YES("a/**/b", "a/x/b");
	YES("a/**/b", "a/x/y/b");
	NO("a/**/b", "a/xb");
	YES("**/data/**", "data/x.csv");
	YES("**/data/**", "a/b/data/c/x.csv");
	NO("**/data/**", "a/metadata/x.csv");
	/* "**" inside a segment is an ordinary star */
	YES("a**b", "aXXb");
	NO("a**b", "a/b");
	YES("models/**.py", "models/net.py");
	NO("models/**.py", "models/sub/net.py");
}

static void question_mark_classes_escapes(void **state)
{
	(void)state;
	YES("run?.log", "run1.log");
	NO("run?.log", "run12.log");
	NO("a?b", "a/b");
	YES("[abc].txt", "b.txt");
	NO("[abc].txt", "d.txt");
	YES("[a-c][0-9]", "b7");
	YES("[!a-c]x", "dx");
	YES("[^a-c]x", "dx");
	NO("[!a-c]x", "ax");
	NO("a[!x]b", "a/b");
	YES("[]]", "]");
	YES("[[:digit:]][[:upper:]]", "7Q");
	NO("[[:digit:]]", "x");
	YES("\\*.txt", "*.txt");
	NO("\\*.txt", "a.txt");
	YES("a\\?", "a?");
	/* an unterminated class is a literal '[' */
	YES("a[b", "a[b");
}

static void malformed_patterns_are_reported(void **state)
{
	(void)state;
	assert_int_equal(tctl_glob_check("src/**/*.py"), 0);
	assert_int_equal(tctl_glob_check("[[:alpha:]]x\\*"), 0);
	assert_int_equal(tctl_glob_check("data/[abc"), TCTL_EINVALID);
	assert_non_null(strstr(tctl_error_last()->message, "glob 'data/[abc' has a '[' without its ']'"));
	assert_int_equal(tctl_glob_check("x\\"), TCTL_EINVALID);
	assert_non_null(strstr(tctl_error_last()->message, "lone backslash"));
	assert_int_equal(tctl_glob_check("[[:bogus:]]"), TCTL_EINVALID);
	assert_non_null(strstr(tctl_error_last()->message, "unknown character class"));
}

static void magic_detection(void **state)
{
	(void)state;
	assert_false(tctl_glob_has_magic("data/train.csv"));
	assert_true(tctl_glob_has_magic("data/*.csv"));
	assert_true(tctl_glob_has_magic("run?"));
	assert_true(tctl_glob_has_magic("[ab]"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(literals_and_single_star),
		cmocka_unit_test(double_star_crosses_folders),
		cmocka_unit_test(question_mark_classes_escapes),
		cmocka_unit_test(malformed_patterns_are_reported),
		cmocka_unit_test(magic_detection),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
