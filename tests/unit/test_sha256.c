/* test_sha256.c: SHA-256 against the FIPS 180-2 vectors, block boundaries, streaming and files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "trainctl/error.h"
#include "trainctl/sha256.h"

static void assert_digest(const void *data, size_t len, const char *expect)
{
	unsigned char d[TCTL_SHA256_SIZE];
	char hex[TCTL_SHA256_HEX_SIZE];

	tctl_sha256(d, data, len);
	tctl_sha256_hex(hex, d);
	assert_string_equal(hex, expect);
}

static void fips_180_2_vectors(void **state)
{
	(void)state;
	/* FIPS 180-2, appendix B.1, B.2 and B.3 */
	assert_digest("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
		      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	char *million = malloc(1000000);
	assert_non_null(million);
	memset(million, 'a', 1000000);
	assert_digest(million, 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(million);
}

static void empty_and_two_block_messages(void **state)
{
	(void)state;
	assert_digest("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	assert_digest("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq"
		      "klmnopqrlmnopqrsmnopqrstnopqrstu", 112,
		      "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

/* Lengths around the padding boundaries (55/56 bytes: one or two final blocks). */
static void padding_boundaries(void **state)
{
	static const struct { size_t n; const char *hex; } v[] = {
		{ 55, "463eb28e72f82e0a96c0a4cc53690c571281131f672aa229e0d45ae59b598b59" },
		{ 56, "da2ae4d6b36748f2a318f23e7ab1dfdf45acdc9d049bd80e59de82a60895f562" },
		{ 57, "2fe741af801cc238602ac0ec6a7b0c3a8a87c7fc7d7f02a3fe03d1c12eac4d8f" },
		{ 63, "29af2686fd53374a36b0846694cc342177e428d1647515f078784d69cdb9e488" },
		{ 64, "fdeab9acf3710362bd2658cdc9a29e8f9c757fcf9811603a8c447cd1d9151108" },
		{ 65, "4bfd2c8b6f1eec7a2afeb48b934ee4b2694182027e6d0fc075074f2fabb31781" },
		{ 119, "da18797ed7c3a777f0847f429724a2d8cd5138e6ed2895c3fa1a6d39d18f7ec6" },
		{ 120, "f52b23db1fbb6ded89ef42a23ce0c8922c45f25c50b568a93bf1c075420bbb7c" },
	};
	unsigned char buf[128];

	(void)state;
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(i % 251);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		assert_digest(buf, v[i].n, v[i].hex);
}

/* Feeding the message in two pieces, split anywhere, gives the one-shot digest. */
static void streaming_equals_one_shot(void **state)
{
	unsigned char buf[300], one[32], two[32];
	tctl_sha256_ctx ctx;

	(void)state;
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(i * 7 + 3);
	tctl_sha256(one, buf, sizeof(buf));
	for (size_t split = 0; split <= sizeof(buf); split++) {
		tctl_sha256_init(&ctx);
		tctl_sha256_update(&ctx, buf, split);
		tctl_sha256_update(&ctx, buf + split, sizeof(buf) - split);
		tctl_sha256_final(&ctx, two);
		assert_memory_equal(one, two, 32);
	}
	/* and byte by byte */
	tctl_sha256_init(&ctx);
	for (size_t i = 0; i < sizeof(buf); i++)
		tctl_sha256_update(&ctx, buf + i, 1);
	tctl_sha256_final(&ctx, two);
	assert_memory_equal(one, two, 32);
}

static void file_digest_matches_memory_digest(void **state)
{
	char path[] = "/tmp/trainctl-sha256-XXXXXX";
	unsigned char a[32], b[32];
	uint64_t size = 0;
	char *data = malloc(200000);
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_non_null(data);
	for (size_t i = 0; i < 200000; i++)
		data[i] = (char)(i % 13);
	assert_int_equal(write(fd, data, 200000), 200000);
	close(fd);
	tctl_sha256(a, data, 200000);
	assert_int_equal(tctl_sha256_file(b, &size, path), 0);
	assert_memory_equal(a, b, 32);
	assert_int_equal(size, 200000);
	unlink(path);
	assert_int_equal(tctl_sha256_file(b, NULL, path), TCTL_ENOTFOUND);
	assert_non_null(strstr(tctl_error_last()->message, path));
	free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fips_180_2_vectors),
		cmocka_unit_test(empty_and_two_block_messages),
		cmocka_unit_test(padding_boundaries),
		cmocka_unit_test(streaming_equals_one_shot),
		cmocka_unit_test(file_digest_matches_memory_digest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
