/* test_ignore.c: gitignore-syntax rules, checked by hand and against git's own verdicts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "fixture.h"
#include "trainctl/error.h"
#include "trainctl/ignore.h"
#include "trainctl/util.h"

static bool ignored(tctl_ignore *ign, const char *path, bool is_dir)
{
	bool v = false;
	assert_int_equal(tctl_ignore_check(&v, ign, path, is_dir), 0);
	return v;
}

static void rules_follow_gitignore_syntax(void **state)
{
	char *dir = fx_tmpdir();
	const char *names[] = { ".gitignore" };
	tctl_ignore *ign = NULL;

	(void)state;
	fx_write(dir, ".gitignore",
		 "# comment\n\n*.log\n!keep.log\n/build\ncache/\ndocs/*.pdf\n**/tmp/**\n"
		 "trailing   \n\\#hash\n\\!bang\n");
	fx_write(dir, "sub/.gitignore", "*.csv\n!important.log\n/local.txt\n");
	assert_int_equal(tctl_ignore_new(&ign, dir, names, 1), 0);
	assert_true(ignored(ign, "run.log", false));
	assert_false(ignored(ign, "keep.log", false));
	assert_true(ignored(ign, "a/b/run.log", false));
	assert_true(ignored(ign, "build", true));
	assert_false(ignored(ign, "src/build", true));      /* anchored to the root */
	assert_true(ignored(ign, "cache", true));
	assert_false(ignored(ign, "cache", false));         /* folders only */
	assert_true(ignored(ign, "x/cache/file.bin", false)); /* inside an ignored folder */
	assert_true(ignored(ign, "docs/a.pdf", false));
	assert_false(ignored(ign, "docs/sub/a.pdf", false));
	assert_true(ignored(ign, "a/tmp/b/c", false));
	assert_true(ignored(ign, "trailing", false));       /* trailing spaces dropped */
	assert_true(ignored(ign, "#hash", false));
	assert_true(ignored(ign, "!bang", false));
	assert_true(ignored(ign, "sub/data.csv", false));   /* deeper file adds rules */
	assert_false(ignored(ign, "data.csv", false));
	assert_false(ignored(ign, "sub/important.log", false)); /* deeper file wins */
	assert_true(ignored(ign, "sub/local.txt", false));
	assert_false(ignored(ign, "sub/deeper/local.txt", false));
	assert_false(ignored(ign, "src/train.py", false));
	tctl_ignore_free(ign);
	fx_rmrf(dir);
}

static void parent_folder_exclusion_cannot_be_undone(void **state)
{
	char *dir = fx_tmpdir();
	const char *names[] = { ".gitignore" };
	tctl_ignore *ign = NULL;

	(void)state;
	fx_write(dir, ".gitignore", "data/\n!data/keep.txt\n");
	assert_int_equal(tctl_ignore_new(&ign, dir, names, 1), 0);
	assert_true(ignored(ign, "data/keep.txt", false));
	tctl_ignore_free(ign);
	fx_rmrf(dir);
}

static void several_file_names_and_extra_rules(void **state)
{
	char *dir = fx_tmpdir();
	const char *names[] = { ".gitignore", ".amlignore", ".trainctlignore" };
	tctl_ignore *ign = NULL;

	(void)state;
	fx_write(dir, ".gitignore", "*.tmp\n");
	fx_write(dir, ".amlignore", "data/\n!x.tmp\n");
	fx_write(dir, ".trainctlignore", "checkpoints/**\n");
	assert_int_equal(tctl_ignore_new(&ign, dir, names, 3), 0);
	assert_true(ignored(ign, "a.tmp", false));
	assert_false(ignored(ign, "x.tmp", false));  /* .amlignore is read after .gitignore */
	assert_true(ignored(ign, "data/train.csv", false));
	assert_true(ignored(ign, "checkpoints/step1/model.pt", false));
	assert_false(ignored(ign, ".git", true));
	assert_int_equal(tctl_ignore_add_rule(ign, ".git/"), 0);
	assert_true(ignored(ign, ".git", true));
	assert_true(ignored(ign, ".git/HEAD", false));
	/* files override the extra rules, as .gitignore overrides info/exclude */
	assert_int_equal(tctl_ignore_add_rule(ign, "!a.tmp"), 0);
	assert_true(ignored(ign, "a.tmp", false));
	tctl_ignore_free(ign);
	tctl_ignore_free(NULL);
	fx_rmrf(dir);
}

/* Walk the tree as the snapshot does, writing the files that are not ignored. */
static void walk(tctl_ignore *ign, const char *root, const char *rel, tctl_buf *out)
{
	char *path = *rel ? tctl_path_join(root, rel) : strdup(root);
	struct dirent **ents = NULL;
	int n = scandir(path, &ents, NULL, alphasort);

	assert_true(n >= 0);
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		char *child = *rel ? tctl_path_join(rel, name) : strdup(name), *abs = tctl_path_join(root, child);
		struct stat st;
		if (strcmp(name, ".") && strcmp(name, "..") && strcmp(name, ".git") && lstat(abs, &st) == 0 &&
		    !ignored(ign, child, S_ISDIR(st.st_mode))) {
			if (S_ISDIR(st.st_mode))
				walk(ign, root, child, out);
			else
				tctl_buf_printf(out, "%s\n", child);
		}
		free(child);
		free(abs);
		free(ents[i]);
	}
	free(ents);
	free(path);
}

static void verdicts_agree_with_git(void **state)
{
	static const char *files[] = {
		"a.log", "keep.log", "src/train.py", "src/train.pyc", "src/build/out.o", "build/x",
		"docs/guide.pdf", "docs/api/ref.pdf", "data/raw/a.csv", "data/keep.txt", "nested/tmp/x",
		"nested/deep/tmp/y/z", "logs/run1/out.txt", "logs/run1/keep.me", "foo bar", "[x]",
		"sub/a.csv", "sub/b.log", "sub/inner/c.csv", "sub/inner/keep.log", "notes/#1.md",
		"models/net.py", "models/old/net.py", "models/v1.bak", "weights.bin", "vendor/lib/x.c",
	};
	char *dir = fx_tmpdir(), *git_list;
	const char *names[] = { ".gitignore" };
	tctl_ignore *ign = NULL;
	tctl_buf mine = TCTL_BUF_INIT;

	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		fx_write(dir, files[i], "x\n");
	fx_write(dir, ".gitignore",
		 "*.log\n!keep.log\n*.pyc\nbuild/\n/docs/*.pdf\ndata/\n!data/keep.txt\n**/tmp/\n"
		 "logs/**\n!logs/**/keep.me\nfoo\\ bar\n\\[x]\n*.ba[kx]\n/weights.*\nvendor\n");
	fx_write(dir, "sub/.gitignore", "/a.csv\ninner/*.csv\n!*.log\n");
	assert_int_equal(fx_sh(dir, "git init -q ."), 0);
	git_list = fx_sh_out(dir, "git ls-files --others --exclude-standard | LC_ALL=C sort");
	assert_non_null(strstr(git_list, "src/train.py\n"));
	assert_null(strstr(git_list, "a.log"));
	assert_int_equal(tctl_ignore_new(&ign, dir, names, 1), 0);
	walk(ign, dir, "", &mine);
	char *sorted = fx_sh_out(dir, "printf '%%s' '%s' | LC_ALL=C sort", mine.ptr);
	assert_string_equal(sorted, git_list);
	free(sorted);
	free(git_list);
	tctl_buf_free(&mine);
	tctl_ignore_free(ign);
	fx_rmrf(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rules_follow_gitignore_syntax),
		cmocka_unit_test(parent_folder_exclusion_cannot_be_undone),
		cmocka_unit_test(several_file_names_and_extra_rules),
		cmocka_unit_test(verdicts_agree_with_git),
	};
	fx_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
